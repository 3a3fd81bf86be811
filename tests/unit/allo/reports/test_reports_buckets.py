"""Local days and hours of Europe/Paris, including both clock changes of 2026."""

import itertools
from datetime import UTC, date, datetime, timedelta

from allo.reports.buckets import Granularity, bucket_key, buckets_for


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_an_ordinary_day_has_24_hours_starting_at_local_midnight():
    hours = buckets_for(date(2026, 11, 23), date(2026, 11, 23), Granularity.HOUR)
    assert len(hours) == 24
    assert hours[0].start == z(2026, 11, 22, 23) and hours[-1].end == z(2026, 11, 23, 23)
    assert [h.label for h in hours[:3]] == ["00:00", "01:00", "02:00"]


def test_spring_forward_day_has_23_hours_and_no_0200():
    hours = buckets_for(date(2026, 3, 29), date(2026, 3, 29), Granularity.HOUR)
    assert len(hours) == 23
    labels = [h.label for h in hours]
    assert "02:00" not in labels
    assert labels[:4] == ["00:00", "01:00", "03:00", "04:00"]
    assert labels[-1] == "23:00"
    assert hours[0].start == z(2026, 3, 28, 23) and hours[1].start == z(2026, 3, 29, 0)
    assert hours[2].start == z(2026, 3, 29, 1)  # 03:00 CEST is one real hour after 01:00 CET
    assert hours[-1].end == z(2026, 3, 29, 22)
    assert all(h.day == date(2026, 3, 29) for h in hours)
    assert [h.local_start.isoformat() for h in hours[1:3]] == ["2026-03-29T01:00:00+01:00",
                                                               "2026-03-29T03:00:00+02:00"]


def test_fall_back_day_has_25_hours_and_two_distinct_0200():
    hours = buckets_for(date(2026, 10, 25), date(2026, 10, 25), Granularity.HOUR)
    assert len(hours) == 25
    labels = [h.label for h in hours]
    assert labels[:5] == ["00:00", "01:00", "02:00 (+02:00)", "02:00 (+01:00)", "03:00"]
    assert len(set(labels)) == 25
    assert hours[2].start == z(2026, 10, 25, 0) and hours[3].start == z(2026, 10, 25, 1)
    assert hours[0].start == z(2026, 10, 24, 22) and hours[-1].end == z(2026, 10, 25, 23)


def test_days_are_local_days_of_23_24_and_25_hours():
    days = buckets_for(date(2026, 3, 28), date(2026, 3, 30), Granularity.DAY)
    assert [(d.end - d.start).total_seconds() / 3600 for d in days] == [24, 23, 24]
    assert days[1].start == z(2026, 3, 28, 23) and days[1].end == z(2026, 3, 29, 22)
    assert [d.label for d in days] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    autumn = buckets_for(date(2026, 10, 25), date(2026, 10, 25), Granularity.DAY)
    assert (autumn[0].start, autumn[0].end) == (z(2026, 10, 24, 22), z(2026, 10, 25, 23))


def test_instants_fall_in_the_right_bucket_around_the_changes():
    hour, day = Granularity.HOUR, Granularity.DAY
    # Spring: the last second of 01:xx CET, then 03:00 CEST.
    assert bucket_key(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), hour) == z(2026, 3, 29, 0)
    assert bucket_key(z(2026, 3, 29, 1), hour) == z(2026, 3, 29, 1)
    # Autumn: 02:30 happens twice; each goes to its own hour.
    assert bucket_key(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), hour) == z(2026, 10, 25, 0)
    assert bucket_key(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), hour) == z(2026, 10, 25, 1)
    # Day boundaries are local midnights.
    assert bucket_key(datetime(2026, 3, 29, 21, 59, tzinfo=UTC), day) == z(2026, 3, 28, 23)
    assert bucket_key(z(2026, 3, 29, 22), day) == z(2026, 3, 29, 22)
    assert bucket_key(datetime(2026, 10, 24, 21, 59, tzinfo=UTC), day) == z(2026, 10, 23, 22)
    assert bucket_key(z(2026, 10, 24, 22), day) == z(2026, 10, 24, 22)
    assert bucket_key(datetime(2026, 10, 25, 22, 59, tzinfo=UTC), day) == z(2026, 10, 24, 22)
    assert bucket_key(z(2026, 10, 25, 23), day) == z(2026, 10, 25, 23)


def test_every_instant_of_a_range_lands_in_exactly_one_of_its_buckets():
    for by in Granularity:
        buckets = buckets_for(date(2026, 10, 24), date(2026, 10, 26), by)
        by_start = {b.start: b for b in buckets}
        assert all(a.end == b.start for a, b in itertools.pairwise(buckets))
        t = buckets[0].start
        while t < buckets[-1].end:
            bucket = by_start[bucket_key(t, by)]
            assert bucket.start <= t < bucket.end
            t += timedelta(minutes=17)
