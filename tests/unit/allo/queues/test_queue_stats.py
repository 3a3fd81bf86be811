from datetime import UTC, datetime

from allo.queues.stats import start_of_day


def test_today_starts_at_paris_midnight_including_dst_days():
    assert start_of_day(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert start_of_day(datetime(2026, 7, 14, 9, 0, tzinfo=UTC)) == datetime(2026, 7, 13, 22, 0, tzinfo=UTC)
    # Clock changes: the day still starts at the local midnight before the change.
    assert start_of_day(datetime(2026, 3, 29, 12, 0, tzinfo=UTC)) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert start_of_day(datetime(2026, 10, 25, 12, 0, tzinfo=UTC)) == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    # 23:30 UTC on the 23rd is already the 24th in Paris.
    assert start_of_day(datetime(2026, 11, 23, 23, 30, tzinfo=UTC)) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
