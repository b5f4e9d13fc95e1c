"""Stage 3, write: outputs into the output folder, what is remembered into the state folder, mail to a server."""
