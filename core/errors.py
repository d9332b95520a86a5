"""The one error type a page or the command line shows to a person as it is."""


class DatasetError(ValueError):
    """A dataset or a request on it cannot serve; the message is plain words for users.

    Raised for files that are not CSV, lack a title column or two usable features,
    have no usable rows, and for a K the catalog cannot support.
    """
