from uptick_common.settings import HttpServiceSettings


class MonitorsSettings(HttpServiceSettings):
    """The monitors API needs nothing beyond an HTTP service's settings (regions come from UPTICK_REGIONS)."""
