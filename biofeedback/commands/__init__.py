"""The subcommands of the ``biofeedback`` command line, one module per family."""
