"""Sources of beats: Bluetooth straps (bleak), the simulated strap and replays (issues 3, 4)."""
