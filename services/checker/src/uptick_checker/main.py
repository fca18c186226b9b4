"""`uptick-checker`: run the checker of one region (`UPTICK_REGION`) until SIGTERM."""

from __future__ import annotations

from functools import partial

from pydantic import ValidationError

from uptick_checker.settings import CheckerSettings
from uptick_checker.worker import Checker
from uptick_common.worker import main as run_worker


def main() -> None:
    try:
        settings = CheckerSettings()  # type: ignore[call-arg]  # region comes from the environment
    except ValidationError as exc:  # said without the values, which may hold credentials
        problems = "\n".join(f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"uptick-checker: invalid settings\n{problems}") from None
    run_worker("checker", settings, partial(Checker.create, settings))


if __name__ == "__main__":
    main()
