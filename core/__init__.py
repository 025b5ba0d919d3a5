"""The bottom layer: settings, errors with their exit codes, and the shared vocabulary.

Imports nothing of ours; every other package may import it."""
