pytest_plugins = ["uptick_devstack.testing"]
