extension ConsoleTemplates {
    /// Funnel. Context: `t`, `flash`?, the form (`steps`, `window_days`, `orders` [{value, label, selected}],
    /// `from`, `to`, `breakdown`, `trends`), `csvLink`, and with `report`: `chart` (SVG), `rows` [{n, label, count,
    /// conversion, stepConversion, dropped, median}], `hasGroups`, `stepHeads`, `groups` [{label, counts, conversion}],
    /// `hasTrend`, `trendChart` (SVG).
    static let funnel = #"""
    <div class="page-head"><h1>{{t.funnel}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    <section class="panel">
    <form id="funnel-form" class="form" method="get" action="/insights/funnel">
    <label for="steps">{{t.funnelSteps}}</label>
    <textarea id="steps" name="steps" rows="4" spellcheck="false">{{steps}}</textarea>
    <div class="form-row">
    <label>{{t.windowDays}} <input type="number" id="window-days" name="window_days" min="1" max="3650" value="{{window_days}}"></label>
    <label>{{t.funnelOrder}} <select id="order" name="order">{{#orders}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/orders}}</select></label>
    <label>{{t.fromDay}} <input type="date" id="from" name="from" value="{{from}}"></label>
    <label>{{t.toDay}} <input type="date" id="to" name="to" value="{{to}}"></label>
    <label>{{t.breakdown}} <input type="text" id="breakdown" name="breakdown" value="{{breakdown}}" placeholder="trait:city"></label>
    <label>{{t.trendBy}} <select id="trend" name="trend">{{#trends}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/trends}}</select></label>
    </div>
    <div class="form-actions"><button type="submit" id="funnel-run" class="btn btn-primary">{{t.runReport}}</button>
    {{#report}}<a class="btn" id="funnel-csv" href="{{csvLink}}">{{t.downloadCSV}}</a>{{/report}}</div>
    </form>
    <p class="muted">{{t.funnelHelp}}</p>
    </section>
    {{#report}}
    <section class="panel">
    <h2>{{t.funnelChart}}</h2>
    <div id="funnel-chart">{{{chart}}}</div>
    <div class="table-wrap"><table class="table" id="funnel-steps">
    <thead><tr><th>#</th><th>{{t.step}}</th><th class="num">{{t.customers}}</th><th class="num">{{t.ofFirstStep}}</th><th class="num">{{t.ofPreviousStep}}</th><th class="num">{{t.droppedAfter}}</th><th class="num">{{t.medianTime}}</th></tr></thead>
    <tbody>{{#rows}}<tr><td>{{n}}</td><td>{{label}}</td><td class="num step-count">{{count}}</td><td class="num">{{conversion}}</td><td class="num">{{stepConversion}}</td><td class="num">{{dropped}}</td><td class="num">{{median}}</td></tr>{{/rows}}</tbody>
    </table></div>
    {{#canSave}}<form method="post" action="/insights/funnel/save" id="save-dropped" class="form">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}
    <textarea name="steps" hidden>{{steps}}</textarea><input type="hidden" name="window_days" value="{{window_days}}"><input type="hidden" name="from" value="{{from}}"><input type="hidden" name="to" value="{{to}}"><input type="hidden" name="order" value="{{form_order}}"><input type="hidden" name="breakdown" value="{{breakdown}}"><input type="hidden" name="trend" value="{{form_trend}}"><input type="hidden" name="utc_offset_minutes" value="{{form_utc_offset_minutes}}">
    <div class="form-row">
    <label>{{t.droppedAfterStep}} <select id="dropped-after" name="after">{{#afterOptions}}<option value="{{n}}">{{label}}</option>{{/afterOptions}}</select></label>
    <label>{{t.newSegmentName}} <input type="text" id="dropped-segment" name="segment" required maxlength="100"></label>
    </div>
    <div class="form-actions"><button type="submit" id="save-dropped-run" class="btn">{{t.saveDroppedAsSegment}}</button></div>
    </form>{{/canSave}}
    </section>
    {{#hasTrend}}<section class="panel"><h2>{{t.conversionTrend}}</h2><div id="funnel-trend">{{{trendChart}}}</div></section>{{/hasTrend}}
    {{#hasGroups}}<section class="panel">
    <h2>{{t.breakdown}}</h2>
    <div class="table-wrap"><table class="table" id="funnel-groups">
    <thead><tr><th></th>{{#stepHeads}}<th class="num">{{.}}</th>{{/stepHeads}}<th class="num">{{t.conversion}}</th></tr></thead>
    <tbody>{{#groups}}<tr><td class="group-label">{{label}}</td>{{#counts}}<td class="num">{{.}}</td>{{/counts}}<td class="num">{{conversion}}</td></tr>{{/groups}}</tbody>
    </table></div>
    </section>{{/hasGroups}}
    {{/report}}
    """#

    /// Retention triangle. Context: `t`, `flash`?, the form (`cohort_event`, `return_event`, `periodOptions`,
    /// `periods`, `modes`), and with `report`: `heads`, `cohorts` [{start, size, cells [{rate, alpha, dark} or {empty}]}],
    /// `noCohorts`.
    static let retention = #"""
    <div class="page-head"><h1>{{t.retention}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    <section class="panel">
    <form id="retention-form" class="form" method="get" action="/insights/retention">
    <div class="form-row">
    <label>{{t.cohortEvent}} <input type="text" id="cohort-event" name="cohort_event" value="{{cohort_event}}" placeholder="{{t.anyFirstEvent}}"></label>
    <label>{{t.returnEvent}} <input type="text" id="return-event" name="return_event" value="{{return_event}}"></label>
    <label>{{t.period}} <select id="period" name="period">{{#periodOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periodOptions}}</select></label>
    <label>{{t.periods}} <input type="number" id="periods" name="periods" min="1" max="366" value="{{periods}}"></label>
    <label>{{t.retentionMode}} <select id="mode" name="mode">{{#modes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/modes}}</select></label>
    <label>{{t.breakdown}} <input type="text" id="breakdown" name="breakdown" value="{{breakdown}}" placeholder="trait:city"></label>
    </div>
    <div class="form-actions"><button type="submit" id="retention-run" class="btn btn-primary">{{t.runReport}}</button>
    {{#report}}<a class="btn" id="retention-csv" href="{{csvLink}}">{{t.downloadCSV}}</a>{{/report}}</div>
    </form>
    </section>
    {{#report}}
    <section class="panel">
    {{#noCohorts}}<p class="empty-state">{{t.noCohorts}}</p>{{/noCohorts}}
    <div class="table-wrap"><table class="table retention" id="retention-table">
    """# + retentionTriangle + #"""
    </table></div>
    </section>
    {{#groups}}
    <section class="panel retention-group">
    <h2 class="group-label">{{label}}</h2>
    <div class="table-wrap"><table class="table retention">
    """# + retentionTriangle + #"""
    </table></div>
    </section>
    {{/groups}}
    {{/report}}
    """#

    /// One retention triangle's head and rows: `heads` (period names), `cohorts` [{start, size, cells [{rate,
    /// alpha, dark} or {empty}]}].
    static let retentionTriangle = #"""
    <thead><tr><th>{{t.cohort}}</th><th class="num">{{t.customers}}</th>{{#heads}}<th class="num">{{.}}</th>{{/heads}}</tr></thead>
    <tbody>{{#cohorts}}<tr><td class="nowrap cohort-start">{{start}}</td><td class="num cohort-size">{{size}}</td>{{#cells}}{{#empty}}<td></td>{{/empty}}{{^empty}}<td class="num cell" style="background: rgba(37, 99, 235, {{alpha}}){{#dark}}; color: #fff{{/dark}}">{{rate}}</td>{{/empty}}{{/cells}}</tr>{{/cohorts}}</tbody>
    """#

    /// Paths. Context: `t`, `flash`?, the form (`anchor`, `directions`, `steps`, `from`, `to`), and with `report`:
    /// `anchored`, `chart` (SVG), `next` [{name, count, share}], `top` [{path, count}].
    static let paths = #"""
    <div class="page-head"><h1>{{t.paths}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    <section class="panel">
    <form id="paths-form" class="form" method="get" action="/insights/paths">
    <div class="form-row">
    <label>{{t.anchorEvent}} <input type="text" id="anchor" name="anchor" value="{{anchor}}"></label>
    <label>{{t.direction}} <select id="direction" name="direction">{{#directions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/directions}}</select></label>
    <label>{{t.pathSteps}} <input type="number" id="path-steps" name="steps" min="1" max="10" value="{{steps}}"></label>
    <label>{{t.fromDay}} <input type="date" id="from" name="from" value="{{from}}"></label>
    <label>{{t.toDay}} <input type="date" id="to" name="to" value="{{to}}"></label>
    </div>
    <div class="form-actions"><button type="submit" id="paths-run" class="btn btn-primary">{{t.runReport}}</button>
    {{#report}}<a class="btn" id="paths-csv" href="{{csvLink}}">{{t.downloadCSV}}</a>{{/report}}</div>
    </form>
    </section>
    {{#report}}
    <section class="panel">
    <h2>{{t.pathsChart}} · <span id="anchored">{{anchored}}</span></h2>
    <div id="sankey" class="table-wrap">{{{chart}}}</div>
    </section>
    <div class="grid-2">
    <section class="panel"><h2>{{t.nextStep}}</h2>
    <div class="table-wrap"><table class="table" id="next-steps"><tbody>{{#next}}<tr><td class="next-name">{{name}}</td><td class="num next-count">{{count}}</td><td class="num">{{share}}</td></tr>{{/next}}</tbody></table></div>
    </section>
    <section class="panel"><h2>{{t.topPaths}}</h2>
    <div class="table-wrap"><table class="table" id="top-paths"><tbody>{{#top}}<tr><td>{{path}}</td><td class="num">{{count}}</td></tr>{{/top}}</tbody></table></div>
    </section>
    </div>
    {{/report}}
    """#

    /// AARRR. Context: `t`, `flash`?, the form (`periodOptions`, `periods`, `activation_event`, `activation_days`,
    /// `return_event`), `csvLink`, and with `report`: `kpis` [{key, label, value}], `acquisitionChart`, `revenueChart`
    /// (SVG), `sources` [{label, count, share}], `rows` [{label, partial, new, activation, d1, d7, d30, w1, active,
    /// paying, arpu, arppu, repeat, revenue, invites, referred, k}].
    static let aarrr = #"""
    <div class="page-head"><h1>{{t.aarrr}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    <section class="panel">
    <form id="aarrr-form" class="form" method="get" action="/insights/aarrr">
    <div class="form-row">
    <label>{{t.period}} <select id="period" name="period">{{#periodOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periodOptions}}</select></label>
    <label>{{t.periods}} <input type="number" id="periods" name="periods" min="1" max="400" value="{{periods}}"></label>
    <label>{{t.activationEvent}} <input type="text" id="activation-event" name="activation_event" value="{{activation_event}}"></label>
    <label>{{t.activationDays}} <input type="number" id="activation-days" name="activation_days" min="1" max="365" value="{{activation_days}}"></label>
    <label>{{t.returnEvent}} <input type="text" id="return-event" name="return_event" value="{{return_event}}" placeholder="{{t.anyEvent}}"></label>
    </div>
    <div class="form-actions"><button type="submit" id="aarrr-run" class="btn btn-primary">{{t.runReport}}</button>
    {{#report}}<a class="btn" id="aarrr-csv" href="{{csvLink}}">{{t.downloadCSV}}</a>{{/report}}</div>
    </form>
    <p class="muted">{{t.aarrrHelp}}</p>
    </section>
    {{#report}}
    <section class="cards" id="aarrr-kpis">{{#kpis}}<div class="card stat"><div class="stat-label">{{label}}</div><div class="stat-value" id="kpi-{{key}}">{{value}}</div></div>{{/kpis}}</section>
    <div class="grid-2">
    <section class="panel"><h2>{{t.newByChannel}}</h2><div id="acquisition-chart">{{{acquisitionChart}}}</div></section>
    <section class="panel"><h2>{{t.revenueByChannel}}</h2><div id="revenue-chart">{{{revenueChart}}}</div></section>
    </div>
    <section class="panel">
    <h2>{{t.aarrrByPeriod}}</h2>
    <div class="table-wrap"><table class="table" id="aarrr-table">
    <thead><tr><th>{{t.period}}</th><th class="num">{{t.newCustomers}}</th><th class="num">{{t.activationRate}}</th><th class="num">D1</th><th class="num">D7</th><th class="num">D30</th><th class="num">W1</th><th class="num">{{t.activeCustomers}}</th><th class="num">{{t.payingRate}}</th><th class="num">ARPU</th><th class="num">ARPPU</th><th class="num">{{t.repeatRate}}</th><th class="num">{{t.revenue}}</th><th class="num">{{t.invites}}</th><th class="num">{{t.referred}}</th><th class="num">K</th></tr></thead>
    <tbody>{{#rows}}<tr><td class="nowrap period-label">{{label}}{{#partial}} <span class="muted">*</span>{{/partial}}</td><td class="num new-count">{{new}}</td><td class="num">{{activation}}</td><td class="num">{{d1}}</td><td class="num">{{d7}}</td><td class="num">{{d30}}</td><td class="num">{{w1}}</td><td class="num active-count">{{active}}</td><td class="num">{{paying}}</td><td class="num">{{arpu}}</td><td class="num">{{arppu}}</td><td class="num">{{repeat}}</td><td class="num revenue">{{revenue}}</td><td class="num">{{invites}}</td><td class="num">{{referred}}</td><td class="num">{{k}}</td></tr>{{/rows}}</tbody>
    </table></div>
    <p class="muted">{{t.aarrrPartial}}</p>
    </section>
    <section class="panel">
    <h2>{{t.newBySource}}</h2>
    <div class="table-wrap"><table class="table" id="aarrr-sources">
    <thead><tr><th>utm_source</th><th class="num">{{t.newCustomers}}</th><th class="num">%</th></tr></thead>
    <tbody>{{#sources}}<tr><td>{{label}}</td><td class="num">{{count}}</td><td class="num">{{share}}</td></tr>{{/sources}}</tbody>
    </table></div>
    </section>
    {{/report}}
    """#

    /// Basket analysis. Context: `t`, `flash`?, the form (`min_support_percent`, `min_confidence_percent`, `from`,
    /// `to`), and with `report`: `orders`, `minCount`, `rules` [{bought, also, count, support, confidence, lift}],
    /// `noRules`, `itemsets` [{items, count, support}].
    static let basket = #"""
    <div class="page-head"><h1>{{t.basket}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    <section class="panel">
    <form id="basket-form" class="form" method="get" action="/insights/basket">
    <div class="form-row">
    <label>{{t.minSupport}} <input type="number" id="min-support" name="min_support_percent" min="0.01" max="100" step="0.01" value="{{min_support_percent}}"></label>
    <label>{{t.minConfidence}} <input type="number" id="min-confidence" name="min_confidence_percent" min="0" max="100" step="0.1" value="{{min_confidence_percent}}"></label>
    <label>{{t.fromDay}} <input type="date" id="from" name="from" value="{{from}}"></label>
    <label>{{t.toDay}} <input type="date" id="to" name="to" value="{{to}}"></label>
    </div>
    <div class="form-actions"><button type="submit" id="basket-run" class="btn btn-primary">{{t.runReport}}</button>
    {{#report}}<a class="btn" id="basket-csv" href="{{csvLink}}">{{t.downloadCSV}}</a>{{/report}}</div>
    </form>
    <p class="muted">{{t.basketHelp}}</p>
    </section>
    {{#report}}
    <section class="panel">
    <h2>{{t.alsoBought}}</h2>
    <p class="muted"><span id="basket-orders">{{orders}}</span> {{t.ordersAnalysed}}</p>
    {{#noRules}}<p class="empty-state">{{t.noRules}}</p>{{/noRules}}
    <div class="table-wrap"><table class="table" id="basket-rules">
    <thead><tr><th>{{t.whoBought}}</th><th>{{t.alsoBoughtItem}}</th><th class="num">{{t.ordersBoth}}</th><th class="num">{{t.support}}</th><th class="num">{{t.confidence}}</th><th class="num">{{t.lift}}</th></tr></thead>
    <tbody>{{#rules}}<tr><td class="rule-bought">{{bought}}</td><td class="rule-also">{{also}}</td><td class="num rule-count">{{count}}</td><td class="num">{{support}}</td><td class="num">{{confidence}}</td><td class="num rule-lift">{{lift}}</td></tr>{{/rules}}</tbody>
    </table></div>
    </section>
    <section class="panel">
    <h2>{{t.boughtTogether}}</h2>
    <div class="table-wrap"><table class="table" id="basket-itemsets">
    <thead><tr><th>{{t.items}}</th><th class="num">{{t.orders}}</th><th class="num">{{t.support}}</th></tr></thead>
    <tbody>{{#itemsets}}<tr><td>{{items}}</td><td class="num">{{count}}</td><td class="num">{{support}}</td></tr>{{/itemsets}}</tbody>
    </table></div>
    </section>
    {{/report}}
    """#
}
