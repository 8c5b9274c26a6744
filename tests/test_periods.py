from __future__ import annotations

import pandas as pd
import pytest

from aictlab.errors import SettingsError
from aictlab.periods import add_periods, assign_periods, group_periods


def test_five_year_bins_on_the_seed_years():
    periods = assign_periods([2012, 2017, 2023, 2023, 2025], 5)
    assert periods["period"].tolist() == ["2010-2014", "2015-2019", "2020-2024", "2020-2024", "2025-2029"]
    assert periods["start_year"].tolist() == [2010, 2015, 2020, 2020, 2025]


def test_explicit_edges():
    periods = assign_periods([2012, 2017, 2023, 2025], (2010, 2016, 2021))
    assert periods["period"].tolist() == ["2010-2015", "2016-2020", "2021-2025", "2021-2025"]


@pytest.mark.parametrize("spec", [0, (2015, 2020), (2020, 2010)])
def test_bad_period_specs(spec):
    with pytest.raises(SettingsError):
        assign_periods([2012, 2025], spec)


def test_group_periods_relabels_each_group_with_its_years():
    docs = add_periods(pd.DataFrame({"doc_id": list("abcd"), "year": [2006, 2012, 2017, 2023]}), 5)
    out = group_periods(docs, {"2005-2009": "2006-2014", "2010-2014": "2006-2014", "2020-2024": "2020-2024"})
    assert out[["period", "start_year", "end_year"]].values.tolist() == [
        ["2006-2014", 2005, 2014], ["2006-2014", 2005, 2014], ["2015-2019", 2015, 2019],
        ["2020-2024", 2020, 2024],
    ]  # fmt: skip
    assert docs["period"].tolist() == ["2005-2009", "2010-2014", "2015-2019", "2020-2024"]  # not changed
