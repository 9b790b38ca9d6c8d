"""Everything that touches files: readers and writers of recordings and tables."""
