// ECharts from npm (static/vendor, built by scripts/build-frontend.sh), loaded on demand so
// that pages without charts still work when the assets were not built.
import { h } from "./dom.js";
import { t } from "./i18n.js";

let loading = null;

export async function loadEcharts() {
  if (!loading) {
    loading = import("./vendor/echarts/echarts.esm.min.js").catch((err) => {
      loading = null;
      throw new Error(t("charts.missing"), { cause: err });
    });
  }
  return loading;
}

// colours: palette.js (one colour per indicator and category in every chart and legend)

// a chart in a sized container; returns {el, chart, dispose}
export async function makeChart(className, attrs = {}) {
  const echarts = await loadEcharts();
  const el = h("div", { class: `chart ${className}`, ...attrs });
  return {
    el,
    echarts,
    chart: null,
    init() {
      if (!this.chart)
        this.chart = echarts.init(el, null, { renderer: "canvas" });
      return this.chart;
    },
    dispose() {
      if (this.chart) this.chart.dispose();
      this.chart = null;
    },
  };
}

export const FONT =
  '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif';
