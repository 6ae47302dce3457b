# Helpers the rule files share.


def shipped(path):
    """A file that ships with birthgaps: the path in the working directory when it exists there,
    else the same path in the project folder."""
    return path if Path(path).exists() else str(Path(workflow.basedir) / path)
