"""Section builders: each turns the analyses into one :class:`~beredt.report.model.Section`."""
