"""An example bench plugin: four-digit years as DATE spans whose value is the year."""

import re

from bench.protocol import BaseSystem, Option, SystemInfo


class YearSystem(BaseSystem):
    """Finds the years 1900 to 2099 written as four digits."""

    info = SystemInfo(
        name="example-years",
        version="0.1.0",
        layers=("time",),
        labels=("DATE",),
        description="four-digit years (an example plugin)",
        options=(Option("min_year", "ignore earlier years", kind="int", default="1900"),),
    )

    def find(self, doc):
        """(start, end, label, value) of each year in the document."""
        for m in re.finditer(r"\b(?:19|20)\d\d\b", doc.text):
            if int(m.group()) >= self.params["min_year"]:
                yield m.start(), m.end(), "DATE", m.group()
