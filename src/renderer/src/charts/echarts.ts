/**
 * ECharts for the whole page, registered once and tree-shaken (style.md "Directus app,
 * vue-echarts demos"): only the charts, components and renderers the lab draws are bundled.
 * Import `VChart` and the option types from here, never from `echarts` itself.
 *
 * Both renderers are registered: the page draws on canvas; unit tests in happy-dom (which has no
 * 2D canvas, toolchain.md §7) render to SVG through `provide: { [INIT_OPTIONS_KEY]: { renderer: 'svg' } }`.
 */
import { BarChart, CustomChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  AxisPointerComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendScrollComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent
} from 'echarts/components'
import { use, graphic, type ComposeOption } from 'echarts/core'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'
import type {
  BarSeriesOption,
  CustomSeriesOption,
  LineSeriesOption,
  ScatterSeriesOption
} from 'echarts/charts'
import type {
  DataZoomComponentOption,
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  MarkLineComponentOption,
  TitleComponentOption,
  TooltipComponentOption
} from 'echarts/components'
import VChart, { INIT_OPTIONS_KEY, THEME_KEY, UPDATE_OPTIONS_KEY } from 'vue-echarts'

use([
  CanvasRenderer,
  SVGRenderer,
  LineChart,
  BarChart,
  ScatterChart,
  CustomChart,
  GridComponent,
  TooltipComponent,
  AxisPointerComponent,
  LegendScrollComponent,
  TitleComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  MarkLineComponent,
  MarkAreaComponent
])

export type LabChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | ScatterSeriesOption
  | CustomSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | TitleComponentOption
  | DataZoomComponentOption
  | MarkLineComponentOption
  | MarkAreaComponentOption
>

export { VChart, INIT_OPTIONS_KEY, THEME_KEY, UPDATE_OPTIONS_KEY, graphic }
