"""syndicate: publish a blog's posts as feeds and email digests."""

__version__ = "0.1.0"
