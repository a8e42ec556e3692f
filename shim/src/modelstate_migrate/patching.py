"""Install and remove the shim's patches of Django, keeping the originals."""

MISSING = object()


class Patcher:
    """Record attributes set on Django's classes so that they can be restored."""

    def __init__(self):
        self.originals = []

    def replace(self, owner, name, value):
        self.originals.append((owner, name, owner.__dict__.get(name, MISSING)))
        setattr(owner, name, value)

    def add(self, owner, name, value):
        if name in owner.__dict__:
            raise RuntimeError(
                "%s.%s already exists: this Django version has the change the "
                "shim would add." % (owner.__qualname__, name)
            )
        self.replace(owner, name, value)

    def wrap(self, owner, name, make_wrapper):
        """Replace the method defined on owner by make_wrapper(method)."""
        self.replace(owner, name, make_wrapper(owner.__dict__[name]))

    def restore(self):
        for owner, name, original in reversed(self.originals):
            if original is MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self.originals.clear()
