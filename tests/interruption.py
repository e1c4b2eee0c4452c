"""A progress wrapper that interrupts a run, for the tests of resuming."""


def stop_at(epoch):
    """A progress wrapper that stops the run, as Ctrl-C would, when ``epoch`` is about to start."""
    def progress(epochs):
        for e in epochs:
            if e == epoch:
                raise KeyboardInterrupt
            yield e
    return progress
