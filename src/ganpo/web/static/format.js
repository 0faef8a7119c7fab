// One number format per view: money is shown in one unit per table or chart, picked once
// from the magnitude of its values and written in the header (never in the cells), with
// thousands separators and two decimals: "1,234.56" under "GEP（亿元）".
import { lang } from "./i18n.js";

const UNITS = {
  zh: [
    [1e12, "万亿元"],
    [1e8, "亿元"],
    [1e4, "万元"],
    [1, "元"],
  ],
  en: [
    [1e12, "trillion CNY"],
    [1e9, "billion CNY"],
    [1e6, "million CNY"],
    [1e3, "thousand CNY"],
    [1, "CNY"],
  ],
};

// the unit of a set of CNY values: the largest one in which their median is at least 10
// (GEP of 6.1 万亿元 is shown as 61,254.76 亿元: two decimals keep four digits)
export function moneyUnit(values) {
  const units = UNITS[lang()] || UNITS.zh;
  const sizes = values
    .map((v) => Math.abs(Number(v)))
    .filter((v) => Number.isFinite(v) && v > 0)
    .sort((a, b) => a - b);
  const median = sizes.length ? sizes[Math.floor(sizes.length / 2)] : 1;
  const [factor, label] =
    units.find(([f]) => median >= 10 * f) || units[units.length - 1];
  return { factor, label };
}

// the unit per km² (GEP per km²)
export function perKm2(unit) {
  return { factor: unit.factor, label: `${unit.label}/km²` };
}

// a value in ``unit``: "1,234.56" (— without a value)
export function fmt(value, unit, digits = 2) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return "—";
  return new Intl.NumberFormat(lang() === "zh" ? "zh-CN" : "en", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(
    Math.abs(n / (unit ? unit.factor : 1)) < 0.5 * 10 ** -digits
      ? 0 // never "-0.00"
      : n / (unit ? unit.factor : 1),
  );
}

// a header with its unit: "生态产品总值（亿元）", "GEP (billion CNY)"
export function withUnit(label, unit) {
  return lang() === "zh"
    ? `${label}（${unit.label}）`
    : `${label} (${unit.label})`;
}
