"""Stage 2, render: bodies, feeds, the digest and its email, as bytes. Nothing here reads posts or writes files."""
