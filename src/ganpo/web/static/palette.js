// The platform's colours: one fixed colour per indicator (keyed by its catalogue key) and
// per category, used by every chart and map legend, so a service keeps its colour from one
// view to the next. The highlight of a selected unit is a colour no indicator uses.

// material products: warm; regulating services: greens, teals and blues; cultural: purples
export const INDICATOR_COLORS = {
  agriculture: "#f9a825",
  forestry: "#8d6e63",
  animal_husbandry: "#ef6c00",
  fishery: "#ffb74d",
  water_supply: "#4fc3f7",
  hydropower: "#0277bd",
  other_energy: "#ffd54f",
  water_conservation: "#1e88e5",
  carbon_sequestration: "#2e7d32",
  oxygen_release: "#81c784",
  climate_regulation: "#00897b",
  soil_retention: "#a1887f",
  sand_fixation: "#d4b483",
  flood_regulation: "#3949ab",
  air_purification: "#80deea",
  water_purification: "#26a69a",
  pest_control: "#9ccc65",
  coastal_protection: "#5c6bc0",
  recreation: "#8e24aa",
  landscape_premium: "#ce93d8",
};

export const CATEGORY_COLORS = {
  material: "#f9a825",
  regulating: "#2e7d32",
  cultural: "#8e24aa",
};

// GEP and GEP per km²: light to dark green
export const GREENS = [
  "#f1f8e9",
  "#c5e1a5",
  "#8bc34a",
  "#4caf50",
  "#2e7d32",
  "#1b5e20",
];

// the selected unit: its outline on the map and its bar in the ranking
export const HIGHLIGHT = "#e91e63";

// indicators outside the catalogue (a profile's own): a fixed colour from their key
const EXTRA = [
  "#6d4c41",
  "#546e7a",
  "#c0ca33",
  "#00acc1",
  "#7e57c2",
  "#f06292",
];

export function indicatorColor(key) {
  if (INDICATOR_COLORS[key]) return INDICATOR_COLORS[key];
  let hash = 0;
  for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return EXTRA[hash % EXTRA.length];
}

// the colour of what the map shows: "gep_cny", "material_cny"…, or "ind:<indicator>"
export function metricColor(metric) {
  if (metric.startsWith("ind:")) return indicatorColor(metric.slice(4));
  const category = metric.replace(/_cny$/, "");
  return CATEGORY_COLORS[category] || GREENS[4];
}

// the map legend's ramp for a metric: GEP in greens, a category or a service from white
// to its own colour
export function metricRamp(metric) {
  if (metric === "gep_cny" || metric === "gep_per_km2") return GREENS;
  return ["#f7f7f7", mix(metricColor(metric), 0.45), metricColor(metric)];
}

function mix(hex, share) {
  const c = parseInt(hex.slice(1), 16);
  const ch = [(c >> 16) & 255, (c >> 8) & 255, c & 255].map((v) =>
    Math.round(255 + (v - 255) * share),
  );
  return `#${ch.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

// carbon: emissions in the warning orange, removals (sinks) in the regulating green, the
// map of emissions from white to a dark orange; dual-control status as the page's states
export const CARBON_COLORS = {
  emission: "#e65100",
  removal: CATEGORY_COLORS.regulating,
  ramp: ["#fff3e0", "#ffb74d", "#e65100", "#8d2b00"],
};

export const STATUS_COLORS = {
  on_track: GREENS[4],
  met: GREENS[5],
  behind: "#e65100",
  missed: "#b71c1c",
};

// early-warning levels of the shipped dual-control rules (red, orange, yellow)
export const WARNING_COLORS = {
  red: "#b71c1c",
  orange: "#e65100",
  yellow: "#f9a825",
};

// the decision's targets (目标进展): the dual-control page's colours for the same states —
// achieved and on track green, at risk orange, off track red
export const TRACKING_COLORS = {
  achieved: STATUS_COLORS.met,
  on_track: STATUS_COLORS.on_track,
  at_risk: STATUS_COLORS.behind,
  off_track: STATUS_COLORS.missed,
};
