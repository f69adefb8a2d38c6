"""Key derivation, authenticated encryption, sealing and signing."""
