"""SQLCipher project stores, encrypted chunk files and their schema."""
