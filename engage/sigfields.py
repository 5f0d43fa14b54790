"""Empty PDF signature fields where the layout put each signature box.

The document marks every box a party signs in with ``data-signature-field="NAME"``. After
WeasyPrint has laid out the pages, each such box's place on its page is known exactly; this
module turns it into an unsigned signature field (``/FT /Sig``) with that name, so that any
PDF reader that signs (or ``engage sign``) puts the signature in the box itself.

It works on WeasyPrint's laid-out pages and pydyf's objects, inside the PDF finisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydyf

ATTRIBUTE = "data-signature-field"
_PX_TO_PT = 0.75  # 72 PDF points per inch / 96 CSS pixels per inch


@dataclass(frozen=True)
class FieldBox:
    name: str
    page: int
    """Index of the page, from 0."""
    rect: tuple[float, float, float, float]
    """Lower-left x, lower-left y, upper-right x, upper-right y, in PDF points."""


def field_boxes(document: Any) -> list[FieldBox]:
    """Every box marked for a signature, in page order, as PDF rectangles."""
    boxes: list[FieldBox] = []
    seen: set[str] = set()
    for index, page in enumerate(document.pages):
        height = page.height
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None:
                continue
            name = element.get(ATTRIBUTE)
            # An element has one principal box, met first; anonymous boxes of the same
            # element come after it.
            if not name or name in seen or box.element_tag != element.tag:
                continue
            seen.add(name)
            x, y = box.border_box_x(), box.border_box_y()
            width, box_height = box.border_width(), box.border_height()
            boxes.append(FieldBox(name, index, (
                round(x * _PX_TO_PT, 2),
                round((height - y - box_height) * _PX_TO_PT, 2),
                round((x + width) * _PX_TO_PT, 2),
                round((height - y) * _PX_TO_PT, 2),
            )))
    return boxes


def add_signature_fields(document: Any, pdf: Any) -> list[FieldBox]:
    """Add an empty signature field for each marked box; return what was added."""
    boxes = field_boxes(document)
    if not boxes:
        return boxes
    kids = pdf.pages["Kids"]
    page_numbers = [kids[i] for i in range(0, len(kids), 3)]
    fields = pydyf.Array()
    for field in boxes:
        page = pdf.objects[page_numbers[field.page]]
        left, bottom, right, top = field.rect
        # PDF/A wants a normal appearance for every widget: an empty form XObject.
        appearance = pydyf.Stream([], pydyf.Dictionary({
            "Type": "/XObject", "Subtype": "/Form",
            "BBox": pydyf.Array([0, 0, round(right - left, 2), round(top - bottom, 2)]),
        }))
        pdf.add_object(appearance)
        widget = pydyf.Dictionary({
            "Type": "/Annot", "Subtype": "/Widget", "FT": "/Sig",
            "T": pydyf.String(field.name),
            "TU": pydyf.String(field.name.replace("-", " ")),
            "Rect": pydyf.Array(field.rect),
            "F": 4,  # printable
            "P": page.reference,
            "AP": pydyf.Dictionary({"N": appearance.reference}),
        })
        pdf.add_object(widget)
        page.setdefault("Annots", pydyf.Array()).append(widget.reference)
        fields.append(widget.reference)
    form = pdf.catalog.get("AcroForm")
    if form is None:
        pdf.catalog["AcroForm"] = pydyf.Dictionary({"Fields": fields})
    else:
        form.setdefault("Fields", pydyf.Array()).extend(fields)
    return boxes
