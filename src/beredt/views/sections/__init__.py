"""Section builders: each turns the analyses into one :class:`~beredt.views.model.Section`."""
