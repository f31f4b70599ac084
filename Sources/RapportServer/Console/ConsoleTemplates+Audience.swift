/// The tag manager, RFM grid and cluster profiles pages (see ``ConsoleTemplates`` for the rules).
extension ConsoleTemplates {
    /// Tag manager. Context: `t`, `flash`?, `canEdit`, `noTags`, `groups` [{group, label, tags [{name, path,
    /// size, description, rule?}]}], `groupChoices` [{group, label}], and the form: `name`, `group`, `rule`, `description`.
    static let tags = #"""
    <div class="page-head"><h1>{{t.tags}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    {{#noTags}}<p class="empty-state" id="no-tags">{{t.noTags}}</p>{{/noTags}}
    {{#groups}}
    <section class="panel tag-group" data-group="{{group}}">
    <h2>{{label}}</h2>
    <div class="table-wrap"><table class="table">
    <thead><tr><th>{{t.name}}</th><th class="num">{{t.customers}}</th><th>{{t.tagRule}}</th><th>{{t.meaning}}</th>{{#canEdit}}<th></th>{{/canEdit}}</tr></thead>
    <tbody>{{#tags}}<tr data-tag="{{name}}">
    <td class="nowrap"><span class="tag">{{name}}</span></td>
    <td class="num tag-size">{{size}}</td>
    <td class="mono wrap">{{#rule}}{{rule}}{{/rule}}{{^rule}}<span class="muted">{{t.tagByHand}}</span>{{/rule}}</td>
    <td class="muted">{{description}}</td>
    {{#canEdit}}<td class="nowrap">
    <label class="btn btn-sm">{{t.uploadCSV}}<input type="file" accept=".csv,text/csv" class="tag-upload" data-path="{{path}}" hidden></label>
    <label class="muted small"><input type="checkbox" class="tag-remove"> {{t.tagRemoveMode}}</label>
    <form method="post" action="/tags/{{path}}/delete" class="inline-form tag-delete">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}<button type="submit" class="btn btn-sm btn-danger">{{t.delete}}</button></form>
    <div class="tag-upload-result muted" aria-live="polite"></div>
    </td>{{/canEdit}}
    </tr>{{/tags}}</tbody>
    </table></div>
    </section>
    {{/groups}}
    {{#canEdit}}
    <section class="panel" id="new-tag">
    <h2>{{t.newTag}}</h2>
    <form id="tag-form" class="form" method="post" action="/tags">
    {{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}
    <label for="tag-name">{{t.name}}</label>
    <input type="text" id="tag-name" name="name" value="{{name}}" required maxlength="100">
    <label for="tag-group">{{t.tagGroup}}</label>
    <input type="text" id="tag-group" name="group" value="{{group}}" list="tag-groups" required maxlength="100">
    <datalist id="tag-groups">{{#groupChoices}}<option value="{{group}}">{{label}}</option>{{/groupChoices}}</datalist>
    <label for="tag-rule">{{t.tagRuleOptional}}</label>
    <textarea id="tag-rule" name="rule" rows="2" spellcheck="false" placeholder="lifetime_revenue > 5000">{{rule}}</textarea>
    <label for="tag-description">{{t.meaning}}</label>
    <input type="text" id="tag-description" name="description" value="{{description}}" maxlength="500">
    <button type="submit" id="tag-save" class="btn btn-primary">{{t.saveTag}}</button>
    </form>
    <p class="muted">{{t.tagHelp}}</p>
    </section>
    {{/canEdit}}
    <script>
    (function () {
      var sure = "{{t.tagDeleteConfirm}}";
      document.querySelectorAll("form.tag-delete").forEach(function (f) {
        f.addEventListener("submit", function (e) { if (!window.confirm(sure)) e.preventDefault(); });
      });
      document.querySelectorAll("input.tag-upload").forEach(function (input) {
        input.addEventListener("change", function () {
          var file = input.files && input.files[0];
          if (!file) return;
          var row = input.closest("tr");
          var remove = row.querySelector("input.tag-remove").checked;
          var out = row.querySelector(".tag-upload-result");
          out.textContent = "…";
          fetch("/tags/" + input.getAttribute("data-path") + "/upload" + (remove ? "?remove=1" : ""), {
            method: "POST", credentials: "same-origin", headers: {"Content-Type": "text/csv"}, body: file
          }).then(function (r) { return r.json(); }).then(function (j) {
            if (j.text) {
              out.textContent = j.text;
              row.querySelector(".tag-size").textContent = j.sizeText;
              row.setAttribute("data-uploaded", String(j.changed));
            } else {
              out.textContent = j.message || j.error || "error";
            }
            input.value = "";
          });
        });
      });
    })();
    </script>
    """#

    /// RFM grid. Context: `t`, `flash`?, `canEdit`, `noModel`?, or `rows` [{r, cells [{r, f, customers, count,
    /// monetary, group, alpha, dark}]}] (R 5 first, F 1 first), `groups` [{group, label, count, share}],
    /// `scored`, `computedAt`, `purchaseEvent`, `amountProperty`.
    static let rfm = #"""
    <div class="page-head"><h1>{{t.rfm}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    {{#noModel}}<section class="panel" id="no-model"><p class="empty-state">{{t.noRFM}}</p>
    {{#canEdit}}<form method="post" action="/rfm/standard">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}<button type="submit" id="use-rfm" class="btn btn-primary">{{t.useRFM}}</button></form>{{/canEdit}}
    </section>{{/noModel}}
    {{^noModel}}
    <p class="muted" id="rfm-about">{{t.rfmAbout}} <span class="mono">{{purchaseEvent}}</span> · <span class="mono">{{amountProperty}}</span> · {{t.customers}}: <strong id="rfm-scored">{{scored}}</strong> · {{computedAt}}</p>
    <div class="grid-2">
    <section class="panel">
    <h2>{{t.rfmGrid}}</h2>
    <div class="table-wrap"><table class="rfm-grid" id="rfm-grid">
    <thead><tr><th>R \ F</th><th>1</th><th>2</th><th>3</th><th>4</th><th>5</th></tr></thead>
    <tbody>{{#rows}}<tr><th>{{r}}</th>{{#cells}}<td class="rfm-cell{{#dark}} dark{{/dark}}" data-r="{{r}}" data-f="{{f}}" data-customers="{{customers}}" style="background: rgba(37, 99, 235, {{alpha}})" title="{{group}}"><strong>{{count}}</strong><span>{{monetary}}</span><small>{{group}}</small></td>{{/cells}}</tr>{{/rows}}</tbody>
    </table></div>
    <p class="muted">{{t.rfmGridHelp}}</p>
    </section>
    <section class="panel">
    <h2>{{t.rfmGroups}}</h2>
    <div class="table-wrap"><table class="table" id="rfm-groups">
    <thead><tr><th>{{t.rfmGroup}}</th><th class="num">{{t.customers}}</th><th class="num">%</th></tr></thead>
    <tbody>{{#groups}}<tr data-group="{{group}}"><td>{{label}}</td><td class="num group-count">{{count}}</td><td class="num">{{share}}</td></tr>{{/groups}}</tbody>
    </table></div>
    </section>
    </div>
    {{/noModel}}
    """#

    /// Cluster profiles. Context: `t`, `flash`?, `canEdit`, `noModel`?, or `features` [{attribute, transform}],
    /// `clusters` [{number, name, givenName, size, share, color, condition, segmentLink, figures [{value, z, left,
    /// width, above}]}], `unassigned`, `fit` {at, profiles, sampled, inertia, k}.
    static let clusters = #"""
    <div class="page-head"><h1>{{t.clusters}}</h1></div>
    {{#flash}}{{^empty(flash)}}<p class="flash" id="flash">{{flash}}</p>{{/empty(flash)}}{{/flash}}
    {{#noModel}}<section class="panel" id="no-model"><p class="empty-state">{{t.noClusters}}</p>
    {{#canEdit}}<form method="post" action="/clusters/standard">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}<button type="submit" id="use-clusters" class="btn btn-primary">{{t.useClusters}}</button></form>{{/canEdit}}
    </section>{{/noModel}}
    {{^noModel}}
    <section class="panel">
    <div class="panel-head"><h2>{{t.clusterProfiles}}</h2>
    {{#canEdit}}<form method="post" action="/clusters/fit" class="inline-form">{{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}<button type="submit" id="refit" class="btn btn-sm">{{t.refit}}</button></form>{{/canEdit}}</div>
    <div class="stage-bar" aria-hidden="true">{{#clusters}}<span style="width: {{share}}%; background: {{color}}"></span>{{/clusters}}</div>
    <form method="post" action="/clusters/names" id="cluster-names">
    {{#csrf}}<input type="hidden" name="csrf" value="{{csrf}}">{{/csrf}}
    <div class="table-wrap"><table class="table" id="clusters">
    <thead><tr><th>{{t.cluster}}</th><th class="num">{{t.customers}}</th><th class="num">%</th>{{#features}}<th class="num">{{attribute}}{{#transform}} <span class="muted">({{transform}})</span>{{/transform}}</th>{{/features}}<th></th></tr></thead>
    <tbody>{{#clusters}}<tr data-cluster="{{number}}">
    <td class="nowrap"><span class="swatch" style="background: {{color}}"></span> {{number}} {{#canEdit}}<input type="text" class="cluster-name" name="name_{{number}}" value="{{givenName}}" placeholder="{{name}}" maxlength="100" aria-label="{{t.clusterName}} {{number}}">{{/canEdit}}{{^canEdit}}<span class="cluster-label">{{name}}</span>{{/canEdit}}</td>
    <td class="num cluster-size">{{size}}</td><td class="num">{{share}}</td>
    {{#figures}}<td class="num cluster-figure" data-z="{{z}}"><div>{{value}}</div><div class="zbar" title="{{z}} σ"><span class="{{#above}}up{{/above}}{{^above}}down{{/above}}" style="left: {{left}}%; width: {{width}}%"></span></div></td>{{/figures}}
    <td><a class="segment-link" href="{{segmentLink}}">{{t.makeSegment}}</a></td>
    </tr>{{/clusters}}
    <tr data-cluster=""><td class="muted">{{t.noCluster}}</td><td class="num cluster-size">{{unassigned}}</td><td></td>{{#features}}<td></td>{{/features}}<td></td></tr></tbody>
    </table></div>
    {{#canEdit}}<button type="submit" id="save-names" class="btn btn-sm">{{t.saveClusterNames}}</button>{{/canEdit}}
    </form>
    {{#fit}}<p class="muted" id="fit-about">{{t.clusterFitAbout}} {{at}} · {{sampled}} / {{profiles}} · k = {{k}} · {{t.inertia}} {{inertia}}</p>{{/fit}}
    <p class="muted">{{t.clusterHelp}}</p>
    </section>
    {{/noModel}}
    """#

    static let audienceStyles = """
    .rfm-grid { border-collapse: separate; border-spacing: 3px; font-size: 12px; width: 100%; }
    .rfm-grid th { color: var(--muted); font-weight: 500; padding: 4px; }
    .rfm-cell { text-align: center; padding: 6px 4px; border-radius: 6px; min-width: 64px; color: var(--text); }
    .rfm-cell.dark { color: #fff; }
    .rfm-cell strong, .rfm-cell span, .rfm-cell small { display: block; }
    .rfm-cell span { font-variant-numeric: tabular-nums; opacity: .85; }
    .rfm-cell small { opacity: .75; font-size: 11px; }
    .zbar { position: relative; height: 6px; background: var(--bg); border-radius: 3px; margin-top: 3px; min-width: 70px; }
    .zbar::after { content: ""; position: absolute; left: 50%; top: -2px; bottom: -2px; border-left: 1px solid var(--border); }
    .zbar span { position: absolute; top: 0; bottom: 0; border-radius: 3px; }
    .zbar .up { background: var(--accent); }
    .zbar .down { background: var(--warn); }
    input.cluster-name { width: 160px; height: 28px; display: inline-block; margin-left: 6px; }
    textarea { width: 100%; padding: 8px 10px; border: 1px solid var(--border); border-radius: 6px; background: var(--surface); color: var(--text); font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
    .small { font-size: 12px; }
    """
}
