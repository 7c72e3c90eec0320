"""Settings shared by every test module."""

from hypothesis import HealthCheck, settings

# The suite runs with one worker per core, beside whatever else the machine does: how fast
# Hypothesis draws examples is not what any test checks, so a slow draw is no failure.
settings.register_profile("newsfeed", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("newsfeed")
