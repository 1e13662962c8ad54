"""Keys and certificates: generation, parsing of uploads, fingerprints, encryption at rest."""
