// What axe-core does not check, for tests/browser/test_accessibility.py: every visible control's
// edge stands out from what is around it (WCAG 1.4.11, 3:1), and focusing it draws a ring of at
// least 2px that does too (2.4.7). Run after a key press, so that focus() shows the ring the
// keyboard would (:focus-visible). Returns one line per control that fails.
() => {
  const channels = (colour) => colour.match(/[\d.]+/g).map(Number); // rgb(…) or rgba(…)
  const luminance = (colour) => {
    const linear = channels(colour).slice(0, 3).map((value) => {
      const v = value / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  };
  const contrast = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const opaque = (colour) => channels(colour)[3] !== 0;
  const backgroundBehind = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (opaque(colour)) return colour;
    }
    return "rgb(255, 255, 255)";
  };
  const describe = (element) => {
    const fieldName = element.matches("input, select, textarea") && `#${element.id || element.name}`;
    const name = fieldName || element.innerText.replace(/\s+/g, " ").trim().slice(0, 40);
    return `${element.tagName.toLowerCase()} "${name}"`;
  };

  const problems = [];
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex='-1'])",
  );
  for (const control of controls) {
    if (control.disabled || !control.checkVisibility()) continue;
    const style = getComputedStyle(control);
    const around = backgroundBehind(control.parentElement);
    const field = control.matches("button, select, textarea, input:not([type=checkbox], [type=radio])");
    if (field) {
      // The edge is its border, or its own fill where that stands out (a primary button).
      const bordered = parseFloat(style.borderTopWidth) > 0 && opaque(style.borderTopColor);
      const filled = opaque(style.backgroundColor);
      const edge = Math.max(
        bordered ? contrast(style.borderTopColor, around) : 1,
        filled ? contrast(style.backgroundColor, around) : 1,
      );
      if ((bordered || filled) && edge < 3) {
        problems.push(`${describe(control)}: its edge is ${edge.toFixed(2)}:1`);
      }
    }
    control.focus();
    const ring = getComputedStyle(control);
    const width = parseFloat(ring.outlineWidth);
    const ringContrast = contrast(ring.outlineColor, around);
    if (ring.outlineStyle === "none" || width < 2 || ringContrast < 3) {
      problems.push(
        `${describe(control)}: focus ring ${ring.outlineStyle} ${width}px at ${ringContrast.toFixed(2)}:1`,
      );
    }
  }
  document.activeElement.blur();
  return problems;
};
