/// Mustache sources of the operator console, keyed by template name.
///
/// Register them all in one `MustacheLibrary`, render a page template with its
/// page context, then render `layout` with the page's HTML as `content`.
///
/// ## Rules for every template
/// - All visible text comes from `t` (``ConsoleStrings/table(_:)``); pass `t`
///   in the layout context *and* in every page context. Never hard-code text.
/// - `{{x}}` escapes HTML; only `content` (layout) and `chart` (overview) are
///   raw (`{{{…}}}`) and must be HTML the server built (``SVGChart`` escapes).
/// - swift-mustache truthiness: a section `{{#x}}` is skipped for a missing key,
///   `false`, or an empty array. An empty string **is truthy**, and so is an
///   `Optional.none` stored in `[String: Any]`: leave optional keys out instead.
///   The optional strings below (`user`, `name`, `flash`, `mergedNotice`,
///   `older`, `error`) are guarded with `{{^empty(x)}}`, so "" also hides them.
/// - Names climb the context stack: inside `{{#rows}}` a key missing from a row
///   is looked up in the page context. Give rows every key they display.
/// - Forms: an optional `csrf` string adds `<input type="hidden" name="csrf">`
///   to every POST form (login, logout, unmerge).
///
/// ## Layout contract (`layout`)
/// - `lang`: `ConsoleLanguage.rawValue` (`en` / `zh-CN`), used for `<html lang>`
///   and to highlight the current language link.
/// - `title`: page title (already localized), shown as `title · Rapport`.
/// - `t`: the label table.
/// - `nav`: `[[href, label, active: Bool]]`; may be empty (login page).
/// - `user`: signed-in user name; omit when signed out (hides the logout form).
/// - `csrf`: optional, see above.
/// - `content`: the rendered page HTML.
///
/// ## Adding a page
/// Add a `static let myPage = #"""…"""#` with the page body only (no `<html>`),
/// start it with `<div class="page-head"><h1>{{t.someKey}}</h1></div>`, use
/// `.panel`, `.cards`/`.card.stat`, `.table-wrap` + `table.table`, `.grid-2`,
/// `.btn`/`.btn-primary`, add it to ``all``, and add its labels to both
/// tables in ``ConsoleStrings``.
enum ConsoleTemplates {
    /// Every template by name: `layout`, `login`, `overview`, `customers`,
    /// `customer`, `error`.
    static let all: [String: String] = [
        "layout": layout,
        "login": login,
        "overview": overview,
        "customers": customers,
        "customer": customer,
        "segments": segments,
        "lifecycle": lifecycle,
        "tags": tags,
        "rfm": rfm,
        "clusters": clusters,
        "funnel": funnel,
        "retention": retention,
        "aarrr": aarrr,
        "basket": basket,
        "paths": paths,
        "error": error,
    ]

    /// Lifecycle overview. Context: `t`, `flash`?, `canEdit`, `noModel`?, or
    /// `stages` [{name, label, description, size, share, color, trend (SVG), warning}],
    /// `unstaged`, `flows` [{from, to, count, fromName, toName}], `noFlows`, `conditions` [{label, condition}].
    static let lifecycle = #"""
    <div class="page-head"><h1>{{t.lifecycle}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    {{#noModel}}<section class="panel" id="no-model"><p class="empty-state">{{t.noLifecycle}}</p>
    {{#canEdit}}<form method="post" action="/lifecycle/standard">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}<button type="submit" id="use-standard" class="btn btn-primary">{{t.useStandardLifecycle}}</button></form>{{/canEdit}}
    </section>{{/noModel}}
    {{^noModel}}
    <section class="panel">
    <h2>{{t.stageCounts}}</h2>
    <div class="stage-bar" aria-hidden="true">{{#stages}}<span style="width: {{share}}%; background: {{color}}"></span>{{/stages}}</div>
    <div class="table-wrap"><table class="table" id="stages">
    <thead><tr><th>{{t.stage}}</th><th class="num">{{t.size}}</th><th class="num">%</th><th>{{t.trend30}}</th><th>{{t.meaning}}</th></tr></thead>
    <tbody>{{#stages}}<tr data-stage="{{name}}"><td><span class="swatch" style="background: {{color}}"></span> <span class="stage-label">{{label}}</span>{{#warning}} <span class="tag tag-warn">{{t.churnWarning}}</span>{{/warning}}</td><td class="num stage-size">{{size}}</td><td class="num">{{share}}</td><td>{{{trend}}}</td><td class="muted">{{description}}</td></tr>{{/stages}}
    <tr data-stage=""><td class="muted">{{t.noStage}}</td><td class="num stage-size">{{unstaged}}</td><td></td><td></td><td></td></tr></tbody>
    </table></div>
    </section>
    <section class="panel">
    <h2>{{t.stageFlows}}</h2>
    {{#noFlows}}<p class="empty-state">{{t.noFlows}}</p>{{/noFlows}}
    <div class="table-wrap"><table class="table" id="flows">
    <thead><tr><th>{{t.fromStage}}</th><th></th><th>{{t.toStage}}</th><th class="num">{{t.customers}}</th></tr></thead>
    <tbody>{{#flows}}<tr data-from="{{fromName}}" data-to="{{toName}}"><td>{{from}}</td><td class="muted">→</td><td>{{to}}</td><td class="num flow-count">{{count}}</td></tr>{{/flows}}</tbody>
    </table></div>
    </section>
    {{#weeksChart}}<section class="panel">
    <h2>{{t.stagesByWeek}}</h2>
    <div id="stages-by-week">{{{weeksChart}}}</div>
    <h2>{{t.movesInWeek}} {{matrixWeek}}</h2>
    <div class="table-wrap"><table class="table" id="flow-matrix">
    <thead><tr><th>{{t.fromStage}} → {{t.toStage}}</th>{{#matrixHeads}}<th class="num">{{.}}</th>{{/matrixHeads}}</tr></thead>
    <tbody>{{#matrixRows}}<tr data-from="{{name}}"><td>{{label}}</td>{{#cells}}<td class="num" data-to="{{to}}" data-count="{{n}}">{{count}}</td>{{/cells}}</tr>{{/matrixRows}}</tbody>
    </table></div>
    </section>{{/weeksChart}}
    <section class="panel">
    <h2>{{t.stageConditions}}</h2>
    <div class="table-wrap"><table class="table" id="stage-conditions">
    <tbody>{{#conditions}}<tr><td class="nowrap">{{label}}</td><td class="mono wrap">{{condition}}</td></tr>{{/conditions}}</tbody>
    </table></div>
    <p class="muted">{{t.stageOrder}}</p>
    </section>
    {{/noModel}}
    """#

    /// Segments: builder with live size, and the list. Context: `t`, `flash`?,
    /// `canEdit`, `name`, `condition` (the form as sent back after an error),
    /// `segments` [{name, size, condition, trend (SVG)}], `noSegments`.
    static let segments = #"""
    <div class="page-head"><h1>{{t.segments}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    <section class="panel" id="builder">
    <h2>{{t.segmentBuilder}}</h2>
    <form id="segment-form" class="form" method="post" action="/segments">
    {{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}
    <label for="condition">{{t.condition}}</label>
    <textarea id="condition" name="condition" rows="4" spellcheck="false" autocomplete="off" placeholder="{{t.conditionPlaceholder}}">{{condition}}</textarea>
    <p id="live-size" class="muted" aria-live="polite" data-template="{{t.liveSize}}"></p>
    <p id="condition-error" class="error" hidden></p>
    {{#canEdit}}<label for="segment-name">{{t.segmentName}}</label>
    <input type="text" id="segment-name" name="name" value="{{name}}" required maxlength="100">
    <button type="submit" id="segment-save" class="btn btn-primary">{{t.saveSegment}}</button>{{/canEdit}}
    </form>
    <p class="muted">{{t.conditionHelp}}</p>
    </section>
    <section class="panel">
    <h2>{{t.segments}}</h2>
    {{#noSegments}}<p class="empty-state" id="no-segments">{{t.noSegments}}</p>{{/noSegments}}
    <div class="table-wrap"><table class="table" id="segment-list">
    <thead><tr><th>{{t.name}}</th><th class="num">{{t.size}}</th><th>{{t.trend14}}</th><th>{{t.condition}}</th></tr></thead>
    <tbody>{{#segments}}<tr><td class="segment-name">{{name}}</td><td class="num segment-size">{{size}}</td><td>{{{trend}}}</td><td class="mono">{{condition}}</td></tr>{{/segments}}</tbody>
    </table></div>
    </section>
    <script>
    (function () {
      var box = document.getElementById("condition");
      var out = document.getElementById("live-size");
      var err = document.getElementById("condition-error");
      if (!box || !window.fetch) return;
      var timer = null, latest = 0;
      function show(ok, j) {
        if (ok) {
          out.textContent = out.getAttribute("data-template").replace("%1", j.sizeText).replace("%2", j.profilesText);
          out.setAttribute("data-size", String(j.size));
          err.hidden = true;
        } else {
          err.textContent = j.message + (j.line ? " (" + j.line + ":" + j.column + ")" : "");
          err.hidden = false;
          out.textContent = "";
          out.removeAttribute("data-size");
        }
      }
      function run() {
        var text = box.value;
        if (!text.trim()) { out.textContent = ""; out.removeAttribute("data-size"); err.hidden = true; return; }
        var mine = ++latest;
        fetch("/segments/preview", {method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json"}, body: JSON.stringify({condition: text})})
          .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
          .then(function (p) { if (mine === latest) show(p[0], p[1]); })
          .catch(function () {});
      }
      box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 250); });
      run();
    })();
    </script>
    """#

    /// The page shell. Context: `lang`, `title`, `t`, `nav`, `user`?, `csrf`?, `content`.
    static let layout = #"""
    <!DOCTYPE html>
    <html lang="{{lang}}">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <title>{{title}} · Rapport</title>
    <style>
    \#(styles)
    \#(audienceStyles)
    </style>
    </head>
    <body>
    <header class="topbar">
    <div class="topbar-inner">
    <a class="brand" href="/">Rapport</a>
    <nav class="nav" aria-label="{{t.navigation}}">{{#nav}}<a href="{{href}}" class="{{#active}}active{{/active}}">{{label}}</a>{{/nav}}</nav>
    <div class="topbar-right">
    <div class="lang" role="group" aria-label="{{t.language}}"><a id="lang-en" href="?lang=en" hreflang="en">{{t.languageEn}}</a><a id="lang-zh" href="?lang=zh-CN" hreflang="zh-CN">{{t.languageZh}}</a></div>
    {{#user}}{{^empty(user)}}<span class="user" title="{{t.signedInAs}} {{user}}">{{user}}</span>
    <form class="logout-form" method="post" action="/logout">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}<button type="submit" id="logout" class="btn btn-ghost btn-sm">{{t.logout}}</button></form>{{/empty(user)}}{{/user}}
    </div>
    </div>
    </header>
    <main class="main" id="main">
    {{{content}}}
    </main>
    <script>
    (function () {
      // Keep the current query (e.g. ?q=) when switching language.
      var pairs = [["lang-en", "en"], ["lang-zh", "zh-CN"]];
      for (var i = 0; i < pairs.length; i++) {
        var link = document.getElementById(pairs[i][0]);
        if (!link || !window.URLSearchParams) continue;
        var params = new URLSearchParams(window.location.search);
        params.set("lang", pairs[i][1]);
        link.setAttribute("href", "?" + params.toString());
      }
    })();
    </script>
    </body>
    </html>
    """#

    /// Sign-in form. Context: `t`, `next`, `username`?, `error`?, `csrf`?.
    static let login = #"""
    <section class="auth">
    <div class="card auth-card">
    <h1>{{t.login}}</h1>
    <p class="muted">{{t.loginHint}}</p>
    {{#error}}{{^empty(error)}}<p class="error" id="login-error">{{error}}</p>{{/empty(error)}}{{/error}}
    <form id="login-form" class="form" method="post" action="/login">
    {{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}
    <input type="hidden" name="next" value="{{next}}">
    <label for="username">{{t.username}}</label>
    <input type="text" name="username" id="username" value="{{username}}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
    <label for="password">{{t.password}}</label>
    <input type="password" name="password" id="password" autocomplete="current-password" required>
    <button type="submit" id="login-submit" class="btn btn-primary">{{t.signIn}}</button>
    </form>
    </div>
    </section>
    """#

    /// Dashboard. Context: `t`, `stats` {profiles, events, orders, revenue, merges,
    /// warnings}, `chart` (SVG), `identifierKinds` [{kind, count}], `sources`
    /// [{name, count}], `merges` [{id, from, into, identifier, at, href}].
    static let overview = #"""
    <div class="page-head"><h1>{{t.overview}}</h1></div>
    <section class="cards">
    <div class="card stat"><div class="stat-label">{{t.profiles}}</div><div class="stat-value" id="stat-profiles">{{stats.profiles}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.events}}</div><div class="stat-value" id="stat-events">{{stats.events}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.orders}}</div><div class="stat-value" id="stat-orders">{{stats.orders}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.revenue}}</div><div class="stat-value" id="stat-revenue">{{stats.revenue}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.merges}}</div><div class="stat-value" id="stat-merges">{{stats.merges}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.identityWarnings}}</div><div class="stat-value" id="stat-warnings">{{stats.warnings}}</div></div>
    </section>
    <section class="panel" id="chart">
    <div class="panel-head"><h2>{{t.eventsPerDay}}</h2></div>
    <div class="chart-wrap">{{{chart}}}</div>
    </section>
    <div class="grid-2">
    <section class="panel">
    <h2>{{t.identifiersByKind}}</h2>
    <div class="table-wrap"><table class="table" id="identifier-kinds">
    <thead><tr><th>{{t.kind}}</th><th class="num">{{t.count}}</th></tr></thead>
    <tbody>{{#identifierKinds}}<tr><td>{{kind}}</td><td class="num">{{count}}</td></tr>{{/identifierKinds}}{{^identifierKinds}}<tr><td colspan="2" class="empty">{{t.noData}}</td></tr>{{/identifierKinds}}</tbody>
    </table></div>
    </section>
    <section class="panel">
    <h2>{{t.eventsBySource}}</h2>
    <div class="table-wrap"><table class="table" id="sources">
    <thead><tr><th>{{t.source}}</th><th class="num">{{t.count}}</th></tr></thead>
    <tbody>{{#sources}}<tr><td>{{name}}</td><td class="num">{{count}}</td></tr>{{/sources}}{{^sources}}<tr><td colspan="2" class="empty">{{t.noData}}</td></tr>{{/sources}}</tbody>
    </table></div>
    </section>
    </div>
    <section class="panel">
    <h2>{{t.recentMerges}}</h2>
    <div class="table-wrap"><table class="table" id="recent-merges">
    <thead><tr><th>{{t.id}}</th><th>{{t.mergeFrom}}</th><th>{{t.mergeInto}}</th><th>{{t.identifier}}</th><th>{{t.time}}</th></tr></thead>
    <tbody>{{#merges}}<tr><td class="mono">{{id}}</td><td><a href="/customers/{{from}}">#{{from}}</a></td><td><a href="{{href}}">#{{into}}</a></td><td class="wrap">{{identifier}}</td><td class="nowrap">{{at}}</td></tr>{{/merges}}{{^merges}}<tr><td colspan="5" class="empty">{{t.noData}}</td></tr>{{/merges}}</tbody>
    </table></div>
    </section>
    """#

    /// Search. Context: `t`, `q`?, `results` [{id, name, identifiers, lastSeen,
    /// orders}], `noResults` (Bool; true after a search that found nothing).
    static let customers = #"""
    <div class="page-head"><h1>{{t.customers}}</h1></div>
    <form class="search" method="get" action="/customers" role="search">
    <input type="search" name="q" id="search-q" value="{{q}}" placeholder="{{t.searchPlaceholder}}" aria-label="{{t.search}}" autocomplete="off" autofocus>
    <button type="submit" id="search-submit" class="btn btn-primary">{{t.search}}</button>
    </form>
    {{#noResults}}<p class="empty-state" id="no-results">{{t.noResults}}</p>{{/noResults}}
    <section class="panel results-panel">
    <div class="table-wrap"><table class="table" id="results">
    <thead><tr><th>{{t.id}}</th><th>{{t.name}}</th><th>{{t.identifiers}}</th><th>{{t.lastSeen}}</th><th class="num">{{t.orders}}</th></tr></thead>
    <tbody>{{#results}}<tr><td><a class="customer-link" href="/customers/{{id}}">{{id}}</a></td><td>{{name}}</td><td>{{identifiers}}</td><td>{{lastSeen}}</td><td>{{orders}}</td></tr>{{/results}}</tbody>
    </table></div>
    </section>
    """#

    /// Customer 360. Context: `t`, `profileId`, `name`? (heading; `#profileId`
    /// when absent or ""), `mergedNotice`? (full sentence, e.g. `t.mergedInto`
    /// with `%1` filled in), `flash`?, `csrf`?,
    /// `identifiers` [{kind, value, firstSeen, profileId}], `traits` [{key,
    /// value, setAt}], `aggregates` {firstSeen, lastSeen, events, orders,
    /// revenue, refunds}, `eventCounts` [{name, count}], `timeline` [{time,
    /// source, name, type, detail}], `older`? (href), `merges` [{id, from,
    /// into, identifier, messageId, at, undone, canUnmerge: Bool}].
    static let customer = #"""
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    {{#mergedNotice}}{{^empty(mergedNotice)}}<p class="notice" id="merged-notice">{{mergedNotice}}</p>{{/empty(mergedNotice)}}{{/mergedNotice}}
    <div class="page-head">
    <div>
    <div class="eyebrow">{{t.customer360}}</div>
    <h1>{{#name}}{{^empty(name)}}{{name}}{{/empty(name)}}{{#empty(name)}}#{{profileId}}{{/empty(name)}}{{/name}}{{^name}}#{{profileId}}{{/name}}</h1>
    <div class="muted">{{t.id}} <span class="mono" id="customer-id">{{profileId}}</span></div>
    </div>
    </div>
    <section class="cards" id="aggregates" aria-label="{{t.summary}}">
    <div class="card stat"><div class="stat-label">{{t.firstSeen}}</div><div class="stat-value small" id="agg-first-seen">{{aggregates.firstSeen}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.lastSeen}}</div><div class="stat-value small" id="agg-last-seen">{{aggregates.lastSeen}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.events}}</div><div class="stat-value" id="agg-events">{{aggregates.events}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.orders}}</div><div class="stat-value" id="agg-orders">{{aggregates.orders}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.revenue}}</div><div class="stat-value" id="agg-revenue">{{aggregates.revenue}}</div></div>
    <div class="card stat"><div class="stat-label">{{t.refunds}}</div><div class="stat-value" id="agg-refunds">{{aggregates.refunds}}</div></div>
    </section>
    <section class="panel" id="audience">
    <h2>{{t.audience}}</h2>
    {{#audience}}
    {{#stage}}<div id="stage" data-stage="{{name}}"><div class="stat-label">{{t.stage}}</div><div class="stage-name"><strong id="stage-label">{{label}}</strong> <span class="muted">{{description}}</span>{{^empty(since)}} <span class="muted">· {{t.since}} {{since}}</span>{{/empty(since)}}</div>
    <ul class="reason" id="stage-reason">{{#reason}}<li><span class="mono">{{condition}}</span>: <strong>{{value}}</strong></li>{{/reason}}</ul></div>{{/stage}}
    {{^stage}}<p class="muted" id="stage">{{t.noStage}}</p>{{/stage}}
    {{#rfm}}<div class="stat-label">RFM</div><div id="profile-rfm" data-score="{{score}}"><strong>{{score}}</strong> · {{group}} <span class="muted">({{t.rfmFigures}}: {{recency}} / {{frequency}} / {{monetary}})</span></div>{{/rfm}}
    {{#clv}}<div class="stat-label">{{t.lifetimeValue}}</div><div id="profile-clv" data-value="{{value}}" data-p-alive="{{pAlive}}"><strong>{{value}}</strong> <span class="muted">({{t.next12Months}})</span> · {{t.pAlive}} <strong>{{pAliveShare}}</strong> · {{t.expectedPurchases}} {{expectedPurchases}}</div>{{/clv}}
    {{#churn}}<div class="stat-label">{{t.churnRisk}}</div><div id="profile-churn" data-risk="{{risk}}"><strong>{{share}}</strong>{{#high}} <span class="tag tag-warn">{{t.churnWarning}}</span>{{/high}} <span class="muted">({{meaning}})</span></div>{{/churn}}
    {{#cluster}}<div class="stat-label">{{t.cluster}}</div><div id="profile-cluster" data-cluster="{{number}}"><a href="/clusters"><strong>{{number}}</strong> · {{name}}</a></div>{{/cluster}}
    <div class="stat-label">{{t.tags}}</div><div id="profile-tags">{{#tags}}<span class="tag">{{.}}</span> {{/tags}}{{^tags}}<span class="muted">—</span>{{/tags}}</div>
    <div class="stat-label">{{t.segments}}</div><div id="profile-segments">{{#segments}}<span class="tag">{{.}}</span> {{/segments}}{{^segments}}<span class="muted">—</span>{{/segments}}</div>
    <div class="table-wrap"><table class="table" id="computed-traits">
    <thead><tr><th>{{t.computedTraits}}</th><th>{{t.value}}</th></tr></thead>
    <tbody>{{#computed}}<tr><td class="mono">{{key}}</td><td class="wrap">{{value}}</td></tr>{{/computed}}{{^computed}}<tr><td colspan="2" class="empty">{{t.noData}}</td></tr>{{/computed}}</tbody>
    </table></div>
    {{/audience}}
    </section>
    <div class="grid-2">
    <section class="panel">
    <h2>{{t.identifiers}}</h2>
    <div class="table-wrap"><table class="table" id="identifiers">
    <thead><tr><th>{{t.kind}}</th><th>{{t.value}}</th><th>{{t.firstSeen}}</th><th>{{t.profile}}</th></tr></thead>
    <tbody>{{#identifiers}}<tr><td>{{kind}}</td><td class="wrap mono">{{value}}</td><td class="nowrap">{{firstSeen}}</td><td><a href="/customers/{{profileId}}">#{{profileId}}</a></td></tr>{{/identifiers}}{{^identifiers}}<tr><td colspan="4" class="empty">{{t.noData}}</td></tr>{{/identifiers}}</tbody>
    </table></div>
    </section>
    <section class="panel">
    <h2>{{t.traits}}</h2>
    <div class="table-wrap"><table class="table" id="traits">
    <thead><tr><th>{{t.key}}</th><th>{{t.value}}</th><th>{{t.setAt}}</th></tr></thead>
    <tbody>{{#traits}}<tr><td class="mono">{{key}}</td><td class="wrap">{{value}}</td><td class="nowrap">{{setAt}}</td></tr>{{/traits}}{{^traits}}<tr><td colspan="3" class="empty">{{t.noData}}</td></tr>{{/traits}}</tbody>
    </table></div>
    </section>
    </div>
    <section class="panel">
    <h2>{{t.eventCounts}}</h2>
    <div class="table-wrap"><table class="table" id="event-counts">
    <thead><tr><th>{{t.name}}</th><th class="num">{{t.count}}</th></tr></thead>
    <tbody>{{#eventCounts}}<tr><td>{{name}}</td><td class="num">{{count}}</td></tr>{{/eventCounts}}{{^eventCounts}}<tr><td colspan="2" class="empty">{{t.noData}}</td></tr>{{/eventCounts}}</tbody>
    </table></div>
    </section>
    <section class="panel">
    <div class="panel-head"><h2>{{t.timeline}}</h2>{{#older}}{{^empty(older)}}<a id="timeline-older" class="btn btn-sm" href="{{older}}">{{t.older}} →</a>{{/empty(older)}}{{/older}}</div>
    <div class="table-wrap"><table class="table" id="timeline">
    <thead><tr><th>{{t.time}}</th><th>{{t.source}}</th><th>{{t.name}}</th><th>{{t.type}}</th><th>{{t.detail}}</th></tr></thead>
    <tbody>{{#timeline}}<tr><td class="nowrap">{{time}}</td><td>{{source}}</td><td>{{name}}</td><td><span class="tag">{{type}}</span></td><td class="detail">{{detail}}</td></tr>{{/timeline}}{{^timeline}}<tr><td colspan="5" class="empty">{{t.noData}}</td></tr>{{/timeline}}</tbody>
    </table></div>
    </section>
    <section class="panel">
    <h2>{{t.mergeHistory}}</h2>
    <div class="table-wrap"><table class="table" id="merges">
    <thead><tr><th>{{t.id}}</th><th>{{t.mergeFrom}}</th><th>{{t.mergeInto}}</th><th>{{t.identifier}}</th><th>{{t.messageId}}</th><th>{{t.time}}</th><th>{{t.undone}}</th><th>{{t.actions}}</th></tr></thead>
    <tbody>{{#merges}}<tr id="merge-{{id}}"><td class="mono">{{id}}</td><td><a href="/customers/{{from}}">#{{from}}</a></td><td><a href="/customers/{{into}}">#{{into}}</a></td><td class="wrap">{{identifier}}</td><td class="mono wrap">{{messageId}}</td><td class="nowrap">{{at}}</td><td class="nowrap">{{undone}}</td><td>{{#canUnmerge}}<form class="inline-form" method="post" action="/customers/{{profileId}}/unmerge">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}<input type="hidden" name="mergeId" value="{{id}}"><button type="submit" class="btn btn-danger btn-sm unmerge-button" id="unmerge-{{id}}">{{t.unmerge}}</button></form>{{/canUnmerge}}</td></tr>{{/merges}}{{^merges}}<tr><td colspan="8" class="empty">{{t.noData}}</td></tr>{{/merges}}</tbody>
    </table></div>
    </section>
    """#

    /// Error page. Context: `t`, `title`, `message`.
    static let error = #"""
    <section class="auth">
    <div class="card error-card">
    <h1 id="error-title">{{title}}</h1>
    <p class="muted" id="error-message">{{message}}</p>
    <p><a class="btn" href="/">{{t.backToOverview}}</a></p>
    </div>
    </section>
    """#

    /// The one inline style sheet (light and dark, desktop and phone).
    static let styles = #"""
    :root {
      --bg: #f7f8fa; --surface: #ffffff; --border: #e6e8ec; --text: #111827; --muted: #6b7280;
      --accent: #4f46e5; --accent-weak: #eef2ff; --danger: #dc2626; --danger-weak: #fef2f2;
      --ok: #047857; --ok-weak: #ecfdf5; --warn: #92400e; --warn-weak: #fffbeb;
      --radius: 8px; --shadow: 0 1px 2px rgba(16, 24, 40, .05);
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #0b0d12; --surface: #12151c; --border: #242a37; --text: #e6e8ee; --muted: #9aa3b2;
        --accent: #818cf8; --accent-weak: #1f1d4a; --danger: #f87171; --danger-weak: #2a1416;
        --ok: #34d399; --ok-weak: #0f2a22; --warn: #fbbf24; --warn-weak: #2a2110;
        --shadow: none;
      }
    }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body {
      margin: 0; background: var(--bg); color: var(--text);
      font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial,
        "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
    }
    a { color: var(--accent); text-decoration: none; }
    a:hover { text-decoration: underline; }
    h1 { font-size: 20px; font-weight: 650; margin: 0; letter-spacing: -.01em; overflow-wrap: anywhere; }
    h2 { font-size: 14px; font-weight: 600; margin: 0 0 12px; }
    .muted { color: var(--muted); }
    .mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
    .topbar { position: sticky; top: 0; z-index: 10; background: var(--surface); border-bottom: 1px solid var(--border); }
    .topbar-inner { max-width: 1280px; margin: 0 auto; padding: 0 24px; min-height: 52px; display: flex; align-items: center; gap: 20px; }
    .brand { display: flex; align-items: center; gap: 8px; font-weight: 650; font-size: 15px; color: var(--text); }
    .brand::before { content: ""; width: 18px; height: 18px; border-radius: 5px; background: linear-gradient(135deg, #4f46e5, #06b6d4); }
    .brand:hover { text-decoration: none; }
    .nav { display: flex; gap: 2px; flex: 1; overflow-x: auto; scrollbar-width: none; }
    .nav a { color: var(--muted); padding: 6px 10px; border-radius: 6px; white-space: nowrap; font-weight: 500; }
    .nav a:hover { color: var(--text); background: var(--bg); text-decoration: none; }
    .nav a.active { color: var(--text); background: var(--accent-weak); }
    .topbar-right { display: flex; align-items: center; gap: 10px; }
    .lang { display: flex; border: 1px solid var(--border); border-radius: 6px; overflow: hidden; }
    .lang a { padding: 3px 8px; font-size: 12px; color: var(--muted); }
    .lang a:hover { text-decoration: none; color: var(--text); }
    html[lang="en"] #lang-en, html[lang="zh-CN"] #lang-zh { background: var(--accent-weak); color: var(--text); font-weight: 600; }
    .user { color: var(--muted); font-size: 13px; max-width: 180px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .logout-form { margin: 0; }
    .main { max-width: 1280px; margin: 0 auto; padding: 24px; }
    .page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 16px; flex-wrap: wrap; margin-bottom: 20px; }
    .eyebrow { font-size: 12px; color: var(--muted); font-weight: 500; letter-spacing: .02em; margin-bottom: 2px; }
    .card, .panel { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin-bottom: 16px; }
    .stat { padding: 14px 16px; min-width: 0; }
    .stat-label { font-size: 12px; color: var(--muted); font-weight: 500; }
    .stat-value { font-size: 22px; font-weight: 650; margin-top: 4px; letter-spacing: -.01em; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
    .stat-value.small { font-size: 14px; font-weight: 600; }
    .panel { padding: 16px; margin-bottom: 16px; min-width: 0; }
    .panel-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; margin-bottom: 12px; }
    .panel-head h2 { margin: 0; }
    .grid-2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
    .table-wrap { overflow-x: auto; margin: 0 -16px; padding: 0 16px; }
    table.table { width: 100%; border-collapse: collapse; font-size: 13px; }
    .table th { text-align: left; font-weight: 500; font-size: 12px; color: var(--muted); padding: 6px 10px; border-bottom: 1px solid var(--border); white-space: nowrap; }
    .table td { padding: 7px 10px; border-bottom: 1px solid var(--border); vertical-align: top; }
    .table tbody tr:last-child td { border-bottom: 0; }
    .table tbody tr:hover td { background: var(--bg); }
    .table .num { text-align: right; font-variant-numeric: tabular-nums; }
    .table td.empty { color: var(--muted); text-align: center; padding: 16px; }
    .table .wrap { overflow-wrap: anywhere; min-width: 120px; }
    .table .detail { color: var(--muted); overflow-wrap: anywhere; min-width: 200px; max-width: 520px; }
    .nowrap { white-space: nowrap; }
    .tag { display: inline-block; padding: 0 6px; border-radius: 4px; background: var(--bg); border: 1px solid var(--border); font-size: 12px; }
    .results-panel:has(tbody:empty) { display: none; }
    .customer-link { font-weight: 600; font-variant-numeric: tabular-nums; }
    .stage-bar { display: flex; height: 14px; border-radius: 7px; overflow: hidden; background: var(--bg); margin: 4px 0 14px; }
    .stage-bar span { display: block; height: 100%; }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; vertical-align: middle; }
    .tag-warn { background: #fdecea; color: #b3261e; }
    .reason { margin: 6px 0 12px; padding-left: 18px; }
    .stage-name { margin: 2px 0 4px; }
    .btn { display: inline-flex; align-items: center; justify-content: center; gap: 6px; height: 32px; padding: 0 12px; border-radius: 6px; border: 1px solid var(--border); background: var(--surface); color: var(--text); font: inherit; font-weight: 500; cursor: pointer; white-space: nowrap; }
    .btn:hover { background: var(--bg); text-decoration: none; }
    .btn-primary { background: var(--accent); border-color: var(--accent); color: #fff; }
    .btn-primary:hover { background: var(--accent); filter: brightness(1.08); }
    .btn-ghost { background: transparent; border-color: transparent; color: var(--muted); }
    .btn-ghost:hover { color: var(--text); }
    .btn-danger { color: var(--danger); }
    .btn-danger:hover { background: var(--danger-weak); border-color: var(--danger); }
    .btn-sm { height: 26px; padding: 0 8px; font-size: 12px; }
    .btn:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    input[type=text], input[type=search], input[type=password] {
      width: 100%; height: 36px; padding: 0 10px; border: 1px solid var(--border); border-radius: 6px;
      background: var(--surface); color: var(--text); font: inherit;
    }
    input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px var(--accent-weak); }
    .inline-form { display: inline; margin: 0; }
    .search { display: flex; gap: 8px; max-width: 640px; margin-bottom: 16px; }
    .search .btn { height: 36px; }
    #results td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
    .form { display: grid; gap: 6px; }
    .form label { font-size: 13px; font-weight: 500; margin-top: 8px; }
    .form .btn { margin-top: 16px; height: 36px; }
    .form-row { display: flex; flex-wrap: wrap; gap: 12px 16px; align-items: flex-end; }
    .form-row label { display: grid; gap: 4px; }
    .form-row input, .form-row select { height: 36px; padding: 0 8px; border: 1px solid var(--border); border-radius: 6px; background: var(--surface); color: var(--text); font: inherit; min-width: 120px; }
    .form-actions { display: flex; gap: 8px; }
    .form-actions .btn { margin-top: 12px; }
    .funnel-chart { max-width: 100%; height: auto; }
    table.retention td.cell { text-align: center; font-variant-numeric: tabular-nums; }
    .auth { display: flex; justify-content: center; padding-top: 8vh; }
    .auth-card, .error-card { width: 100%; max-width: 400px; padding: 28px; }
    .auth-card h1, .error-card h1 { margin-bottom: 6px; }
    .error, .flash, .notice { margin: 0 0 16px; padding: 10px 12px; border-radius: 6px; font-size: 13px; border: 1px solid transparent; }
    .error { background: var(--danger-weak); color: var(--danger); border-color: var(--danger); }
    .flash { background: var(--ok-weak); color: var(--ok); border-color: var(--ok); }
    .notice { background: var(--warn-weak); color: var(--warn); border-color: var(--warn); }
    .empty-state { margin: 0 0 16px; padding: 24px; text-align: center; color: var(--muted); background: var(--surface); border: 1px dashed var(--border); border-radius: var(--radius); }
    .chart-wrap { overflow-x: auto; }
    .chart-wrap svg { display: block; width: 100%; height: auto; }
    .chart text { fill: var(--muted); }
    .chart .legend-label { fill: var(--text); }
    .chart .grid line { stroke: var(--border); }
    @media (max-width: 760px) {
      .topbar-inner { flex-wrap: wrap; gap: 8px 12px; padding: 8px 12px; }
      .nav { order: 3; flex-basis: 100%; }
      .topbar-right { margin-left: auto; }
      .user { display: none; }
      .main { padding: 16px 12px; }
      .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
      .stat { padding: 10px 12px; }
      .stat-value { font-size: 18px; }
      .grid-2 { grid-template-columns: minmax(0, 1fr); gap: 0; }
      .panel { padding: 12px; }
      .table-wrap { margin: 0 -12px; padding: 0 12px; }
      .auth { padding-top: 16px; }
      .chart-wrap svg { min-width: 620px; }
    }
    """#
}
