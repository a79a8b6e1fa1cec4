"""What every refusal has, whoever refuses: words for the person, and the parameter at fault."""


class Refusal(Exception):
    """A failure the person can understand: `message` is shown to them as it is."""

    message = "Something went wrong."
    param = None

    def __init__(self, message: str | None = None, *, param: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.param = param or self.param
