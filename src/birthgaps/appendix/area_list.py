"""The index page's area finder: every area's documents grouped by region, sorted by name, with
its code, and a labelled search box that filters the list as the reader types.

The full list is in the HTML, so the page works without JavaScript (the box is then hidden, as it
could do nothing); the script only hides the items and regions that do not match. With 150 areas a
reader finds Leicester by typing "leic" or "E06000016".
"""

from __future__ import annotations

from collections.abc import Mapping

from birthgaps.appendix.blocks import escape

#: The heading of areas that have no region in the map (fictional demo areas, a partial map).
NO_REGION = "Areas"

_SCRIPT = """<script>
(function () {
  var box = document.getElementById("area-search");
  var finder = document.getElementById("area-finder");
  var status = document.getElementById("area-count");
  finder.hidden = false;
  function filter() {
    var words = box.value.toLowerCase().trim();
    var shown = 0;
    document.querySelectorAll("#area-list section").forEach(function (group) {
      var any = false;
      group.querySelectorAll("li").forEach(function (item) {
        var hit = item.getAttribute("data-search").indexOf(words) !== -1;
        item.hidden = !hit;
        if (hit) { any = true; shown += 1; }
      });
      group.hidden = !any;
    });
    status.textContent = shown === 1 ? "1 area shown" : shown + " areas shown";
  }
  box.addEventListener("input", filter);
  filter();
})();
</script>"""


def area_finder(items: Mapping[str, tuple[str, str]], regions: Mapping[str, str]) -> str:
    """HTML of the area list: ``items`` maps area code -> (name, the item's inner HTML: links);
    ``regions`` area code -> region name. Regions in alphabetical order (areas without one
    last, under :data:`NO_REGION`), areas by name within each; one heading per region only when
    there are regions."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for code, (name, inner) in items.items():
        groups.setdefault(regions.get(code) or NO_REGION, []).append((name, code, inner))
    order = sorted(groups, key=lambda g: (g == NO_REGION, g))
    headed = order != [NO_REGION]
    sections = []
    for index, region in enumerate(order):
        lines = [
            f'      <li data-search="{escape((name + " " + code).lower())}">{inner}</li>'
            for name, code, inner in sorted(groups[region], key=lambda r: (r[0].lower(), r[1]))
        ]
        heading = f'    <h3 id="region-{index}">{escape(region)}</h3>\n' if headed else ""
        label = f' aria-labelledby="region-{index}"' if headed else ""
        sections.append(
            f"  <section{label}>\n{heading}    <ul>\n"
            + "\n".join(lines)
            + "\n    </ul>\n  </section>"
        )
    count = len(items)
    finder = (
        '  <div id="area-finder" class="finder" hidden>\n'
        '    <label for="area-search">Find an area by name or code</label>\n'
        '    <input type="search" id="area-search" name="area" autocomplete="off" '
        'aria-describedby="area-count">\n'
        f'    <p id="area-count" role="status" aria-live="polite">{count} areas shown</p>\n'
        "  </div>\n"
    )
    return (
        "  <h2>Area appendices</h2>\n"
        f"{finder}"
        '  <div id="area-list">\n' + "\n".join(sections) + "\n  </div>\n" + _SCRIPT + "\n"
    )
