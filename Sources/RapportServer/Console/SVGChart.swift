/// Server-drawn SVG charts for the operator console.
///
/// The console has no JavaScript build step and loads no external assets, so
/// charts are drawn on the server as inline SVG and dropped into a page with an
/// unescaped Mustache variable (`{{{chart}}}`).
///
/// Every function here is total: empty input, mismatched array lengths, NaN,
/// infinities, negative and absurdly large values all produce a valid chart
/// (never `nan`/`inf` in the output, never a trap). All text is XML-escaped.
enum SVGChart {
    /// Eight distinct colours, readable on light and dark backgrounds.
    /// Series beyond the eighth reuse the palette from the start.
    static let palette: [String] = [
        "#4f46e5", // indigo
        "#0ea5e9", // sky
        "#10b981", // emerald
        "#f59e0b", // amber
        "#ef4444", // red
        "#8b5cf6", // violet
        "#ec4899", // pink
        "#64748b", // slate
    ]

    /// Largest value a single segment may carry; larger ones are clamped.
    static let maxSegmentValue: Double = 1e15
    /// Largest stacked total; keeps every derived number well inside `Int64`.
    static let maxStackTotal: Double = 1e17

    /// Draws a stacked bar chart: one bar per day, one coloured segment per series.
    ///
    /// - Parameters:
    ///   - days: The x-axis labels, one bar each. Labels are thinned to fit.
    ///   - series: Named series; `values[i]` belongs to `days[i]`. Missing values
    ///     count as zero, extra values are ignored. NaN, infinite and negative
    ///     values count as zero; values above ``maxSegmentValue`` are clamped.
    ///   - width: Width of the drawing in SVG units (clamped to 240…4000). The SVG
    ///     scales down to its container (`max-width:100%`).
    ///   - height: Height of the plot area with axes (clamped to 120…2000); the
    ///     legend is added below it.
    ///   - title: Accessible title (`<title>` and `aria-label`); not drawn.
    ///   - emptyText: Text drawn in the middle when there is nothing to show.
    /// - Returns: A complete `<svg>…</svg>` element.
    static func stackedBars(
        days: [String],
        series: [(name: String, values: [Double])],
        width: Int = 900,
        height: Int = 260,
        title: String,
        emptyText: String = "No data"
    ) -> String {
        let chartWidth = Double(min(max(width, 240), 4000))
        let chartHeight = Double(min(max(height, 120), 2000))
        let dayCount = days.count

        // Stacked totals per day, saturating.
        var totals = [Double](repeating: 0, count: dayCount)
        for entry in series {
            let upper = min(dayCount, entry.values.count)
            var index = 0
            while index < upper {
                totals[index] = min(totals[index] + clean(entry.values[index]), maxStackTotal)
                index += 1
            }
        }
        let maxTotal = totals.max() ?? 0
        let hasData = dayCount > 0 && !series.isEmpty && maxTotal > 0

        // Y scale and margins.
        let scale = niceScale(maxTotal: hasData ? maxTotal : 0)
        var tickLabels: [String] = []
        for tick in 0...scale.intervals {
            tickLabels.append(formatCompact(Double(tick) * scale.step))
        }
        let widestTick = tickLabels.map { textWidth($0) }.max() ?? 0
        let marginLeft = max(36, widestTick + 14)
        let marginRight = 12.0
        let marginTop = 10.0
        let marginBottom = 24.0
        let plotLeft = marginLeft
        let plotRight = chartWidth - marginRight
        let plotWidth = plotRight - plotLeft
        let plotTop = marginTop
        let plotBottom = chartHeight - marginBottom
        let plotHeight = plotBottom - plotTop

        // Legend layout (below the plot), wrapping onto rows.
        struct LegendItem { var x: Double; var row: Int; var name: String; var color: String }
        var legend: [LegendItem] = []
        var cursorX = plotLeft
        var row = 0
        for (index, entry) in series.enumerated() {
            let name = truncate(entry.name, to: 40)
            let advance = 14 + textWidth(name) + 16
            if cursorX + advance > plotRight, cursorX > plotLeft {
                row += 1
                cursorX = plotLeft
            }
            legend.append(LegendItem(x: cursorX, row: row, name: name, color: color(at: index)))
            cursorX += advance
        }
        let legendRowHeight = 18.0
        let legendTop = chartHeight + 2
        let totalHeight = legend.isEmpty ? chartHeight : legendTop + Double(row + 1) * legendRowHeight + 4

        var out = ""
        out.reserveCapacity(2048 + dayCount * max(series.count, 1) * 120)
        let label = escape(title)
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"\(label)\""
        out += " viewBox=\"0 0 \(fmt(chartWidth)) \(fmt(totalHeight))\" width=\"\(fmt(chartWidth))\" height=\"\(fmt(totalHeight))\""
        out += " preserveAspectRatio=\"xMinYMin meet\" style=\"max-width:100%;height:auto\""
        out += " font-family=\"system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif\" font-size=\"11\">"
        out += "<title>\(label)</title>"

        // Grid lines and y tick labels.
        out += "<g class=\"grid\">"
        for tick in 0...scale.intervals {
            let y = plotBottom - Double(tick) / Double(scale.intervals) * plotHeight
            out += "<line x1=\"\(fmt(plotLeft))\" y1=\"\(fmt(y))\" x2=\"\(fmt(plotRight))\" y2=\"\(fmt(y))\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>"
            let text = tick < tickLabels.count ? tickLabels[tick] : ""
            out += "<text class=\"tick\" x=\"\(fmt(plotLeft - 6))\" y=\"\(fmt(y + 4))\" text-anchor=\"end\" fill=\"#6b7280\">\(escape(text))</text>"
        }
        out += "</g>"

        if hasData {
            // Bars.
            let slot = plotWidth / Double(dayCount)
            let barWidth = min(slot >= 4 ? slot * 0.72 : slot * 0.9, 48)
            out += "<g class=\"bars\">"
            for dayIndex in 0..<dayCount {
                let x = plotLeft + slot * Double(dayIndex) + (slot - barWidth) / 2
                var base = plotBottom
                let day = days[dayIndex]
                for (seriesIndex, entry) in series.enumerated() {
                    guard dayIndex < entry.values.count else { continue }
                    let value = clean(entry.values[dayIndex])
                    guard value > 0 else { continue }
                    let segment = value / scale.top * plotHeight
                    let y = max(base - segment, plotTop)
                    let segmentHeight = base - y
                    guard segmentHeight > 0 else { continue }
                    out += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(segmentHeight))\" fill=\"\(color(at: seriesIndex))\">"
                    out += "<title>\(escape(day)) · \(escape(entry.name)): \(formatFull(value))</title></rect>"
                    base = y
                }
            }
            out += "</g>"
        } else {
            out += "<text class=\"chart-empty\" x=\"\(fmt(plotLeft + plotWidth / 2))\" y=\"\(fmt(plotTop + plotHeight / 2))\" text-anchor=\"middle\" font-size=\"13\" fill=\"#6b7280\">\(escape(emptyText))</text>"
        }

        // Baseline.
        out += "<line class=\"axis\" x1=\"\(fmt(plotLeft))\" y1=\"\(fmt(plotBottom))\" x2=\"\(fmt(plotRight))\" y2=\"\(fmt(plotBottom))\" stroke=\"#9ca3af\" stroke-width=\"1\"/>"

        // X labels, thinned so they do not overlap.
        if dayCount > 0 {
            let slot = plotWidth / Double(dayCount)
            let labels = days.map { truncate($0, to: 16) }
            let widest = labels.map { textWidth($0) }.max() ?? 0
            let needed = (widest + 10) / slot
            let every = needed <= 1 ? 1 : Int(min(needed.rounded(.up), Double(dayCount)))
            out += "<g class=\"x-labels\">"
            var dayIndex = 0
            while dayIndex < dayCount {
                let text = labels[dayIndex]
                let half = textWidth(text) / 2
                let center = plotLeft + slot * (Double(dayIndex) + 0.5)
                let x = min(max(center, half + 2), chartWidth - half - 2)
                out += "<text class=\"tick\" x=\"\(fmt(x))\" y=\"\(fmt(plotBottom + 16))\" text-anchor=\"middle\" fill=\"#6b7280\">\(escape(text))</text>"
                dayIndex += every
            }
            out += "</g>"
        }

        // Legend.
        if !legend.isEmpty {
            out += "<g class=\"legend\">"
            for item in legend {
                let y = legendTop + Double(item.row) * legendRowHeight
                out += "<rect x=\"\(fmt(item.x))\" y=\"\(fmt(y + 4))\" width=\"10\" height=\"10\" rx=\"2\" fill=\"\(item.color)\"/>"
                out += "<text class=\"legend-label\" x=\"\(fmt(item.x + 14))\" y=\"\(fmt(y + 13))\" fill=\"#374151\">\(escape(item.name))</text>"
            }
            out += "</g>"
        }
        out += "</svg>"
        return out
    }

    /// Escapes text for XML and HTML content and attribute values.
    ///
    /// Replaces `& < > " '` with entities and drops control characters that
    /// XML 1.0 does not allow (everything below U+0020 except tab, LF and CR).
    /// A small line of values (a segment's size over days), scaled to its
    /// own maximum; total like the rest: non-finite or negative values count
    /// as zero, empty input draws a flat line.
    static func sparkline(_ values: [Double], width: Int = 120, height: Int = 28, label: String) -> String {
        let w = Double(min(max(width, 20), 1000)), h = Double(min(max(height, 10), 400))
        let clean = values.prefix(1000).map { $0.isFinite && $0 > 0 ? min($0, maxSegmentValue) : 0 }
        let top = clean.max() ?? 0
        let n = clean.count
        var points: [String] = []
        for (i, v) in clean.enumerated() {
            let x = n > 1 ? Double(i) / Double(n - 1) * (w - 2) + 1 : w / 2
            let y = top > 0 ? h - 2 - v / top * (h - 4) : h - 2
            points.append("\(fmt(x)),\(fmt(y))")
        }
        if points.isEmpty { points = ["1,\(fmt(h - 2))", "\(fmt(w - 1)),\(fmt(h - 2))"] }
        let text = escape(label)
        return "<svg class=\"sparkline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fmt(w)) \(fmt(h))\" "
            + "width=\"\(fmt(w))\" height=\"\(fmt(h))\" role=\"img\" aria-label=\"\(text)\"><title>\(text)</title>"
            + "<polyline fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/></svg>"
    }

    static func escape(_ s: String) -> String {
        var needsWork = false
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&", "<", ">", "\"", "'": needsWork = true
            default: if scalar.value < 0x20, scalar != "\t", scalar != "\n", scalar != "\r" { needsWork = true }
            }
            if needsWork { break }
        }
        guard needsWork else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if scalar.value < 0x20, scalar != "\t", scalar != "\n", scalar != "\r" { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension SVGChart {
    /// A y axis from 0 to `top` in `intervals` steps of `step`.
    struct Scale: Equatable {
        var top: Double
        var step: Double
        var intervals: Int
    }

    /// A "nice" y scale: steps of 1, 2, 2.5 or 5 × 10ⁿ, 3–4 intervals (4–5 ticks).
    /// An empty or zero maximum gives 0…4 in steps of 1.
    static func niceScale(maxTotal: Double) -> Scale {
        guard maxTotal.isFinite, maxTotal > 0 else { return Scale(top: 4, step: 1, intervals: 4) }
        let raw = max(min(maxTotal, maxStackTotal) / 4, 1e-9)
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let fraction = raw / magnitude
        let factor: Double
        if fraction <= 1 {
            factor = 1
        } else if fraction <= 2 {
            factor = 2
        } else if fraction <= 2.5 {
            factor = 2.5
        } else if fraction <= 5 {
            factor = 5
        } else {
            factor = 10
        }
        let step = factor * magnitude
        // max/step is in (2, 4] by construction; the clamp guards rounding.
        let ratio = (maxTotal / step * (1 - 1e-12)).rounded(.up)
        let intervals = ratio.isFinite ? Int(min(max(ratio, 1), 5)) : 4
        return Scale(top: step * Double(intervals), step: step, intervals: intervals)
    }

    /// A value as the chart uses it: finite, non-negative, clamped.
    static func clean(_ value: Double) -> Double {
        guard value.isFinite, value > 0 else { return 0 }
        return min(value, maxSegmentValue)
    }

    /// Colour of the series at `index`, cycling through the palette.
    static func color(at index: Int) -> String {
        palette[index % palette.count]  // trap-ok: index ≥ 0 from enumerated(), palette non-empty
    }

    /// A coordinate with at most one decimal; non-finite values become 0.
    static func fmt(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let scaled = (value * 10).rounded()
        guard abs(scaled) < 1e15 else { return "0" }
        let tenths = Int64(scaled)
        let negative = tenths < 0
        let magnitude = negative ? -tenths : tenths
        let whole = magnitude / 10
        let fraction = magnitude % 10
        var out = negative ? "-" : ""
        out += String(whole)
        if fraction != 0 { out += "." + String(fraction) }
        return out
    }

    /// A non-negative number with at most `digits` decimals, trailing zeros trimmed,
    /// optionally grouped by thousands.
    static func decimal(_ value: Double, digits: Int, grouped: Bool = false) -> String {
        guard value.isFinite, value >= 0 else { return "0" }
        var multiplier: Int64 = 1
        for _ in 0..<min(max(digits, 0), 6) { multiplier *= 10 }
        let scaled = (value * Double(multiplier)).rounded()
        guard scaled < 9e18 else { return formatCompact(value) }
        let units = Int64(scaled)
        let whole = units / multiplier
        var fraction = units % multiplier
        var wholeText = String(whole)
        if grouped, wholeText.count > 3 {
            var groupedText = ""
            for (offset, character) in wholeText.enumerated() {
                if offset > 0, (wholeText.count - offset) % 3 == 0 { groupedText.append(",") }
                groupedText.append(character)
            }
            wholeText = groupedText
        }
        guard fraction != 0 else { return wholeText }
        var fractionDigits = digits
        while fraction % 10 == 0, fractionDigits > 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        var fractionText = String(fraction)
        while fractionText.count < fractionDigits { fractionText = "0" + fractionText }
        return wholeText + "." + fractionText
    }

    /// Compact axis label: 950, 1.5K, 12M, 3B, 2T, 1P, 1E.
    static func formatCompact(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        let units: [(Double, String)] = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
        for (unit, suffix) in units where value >= unit {
            let scaled = value / unit
            guard scaled < 1e15 else { return ">999999E" }
            return decimal(scaled, digits: 1) + suffix
        }
        return decimal(value, digits: 2)
    }

    /// Tooltip value: grouped digits up to 10¹⁵, compact above.
    static func formatFull(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        return value < 1e15 ? decimal(value, digits: 2, grouped: true) : formatCompact(value)
    }

    /// Rough rendered width of `text` at 11px: narrow for Latin, full for CJK/wide.
    static func textWidth(_ text: String) -> Double {
        var width = 0.0
        for scalar in text.unicodeScalars {
            width += scalar.value < 0x1100 ? 6.4 : 11
        }
        return width
    }

    /// At most `limit` characters, with an ellipsis when cut.
    static func truncate(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(limit - 1, 1))) + "…"
    }
}

extension SVGChart {
    /// A funnel: one horizontal bar per step, as long as its share of the first
    /// step, with the step's label, count and share written beside it.
    static func funnel(_ steps: [(label: String, count: Int)], width: Int = 720, label: String) -> String {
        let rows = Array(steps.prefix(16))
        let w = Double(width), barHeight = 26.0, gap = 10.0, labelWidth = 220.0
        let h = Double(max(rows.count, 1)) * (barHeight + gap) + gap
        let first = Double(max(rows.first?.count ?? 0, 1))
        var out = "<svg class=\"funnel-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fmt(w)) \(fmt(h))\" "
            + "width=\"\(fmt(w))\" height=\"\(fmt(h))\" role=\"img\" aria-label=\"\(escape(label))\"><title>\(escape(label))</title>"
        for (k, step) in rows.enumerated() {
            let y = gap + Double(k) * (barHeight + gap)
            let share = Double(max(step.count, 0)) / first
            let length = max(2, (w - labelWidth - 140) * min(share, 1))
            let name = escape(truncate(step.label, to: 28))
            out += "<text x=\"0\" y=\"\(fmt(y + barHeight * 0.68))\" font-size=\"13\">\(k + 1). \(name)</text>"
            out += "<rect class=\"funnel-bar\" data-step=\"\(k + 1)\" data-count=\"\(step.count)\" x=\"\(fmt(labelWidth))\" "
                + "y=\"\(fmt(y))\" width=\"\(fmt(length))\" height=\"\(fmt(barHeight))\" rx=\"3\" fill=\"\(color(at: 0))\" "
                + "fill-opacity=\"\(fmt(0.35 + 0.65 * min(share, 1)))\"/>"
            out += "<text x=\"\(fmt(labelWidth + length + 8))\" y=\"\(fmt(y + barHeight * 0.68))\" font-size=\"13\">"
                + "\(formatFull(Double(step.count))) · \(decimal(share * 100, digits: 1))%</text>"
        }
        return out + "</svg>"
    }
}

extension SVGChart {
    /// A flow (Sankey) chart of paths: a column per step (the anchor first),
    /// a node per event name as tall as the profiles there, and bands between
    /// columns as wide as the profiles going from one to the other.
    static func sankey(anchor: String, anchored: Int, links: [(depth: Int, from: String, to: String, count: Int)],
                       width: Int = 960, height: Int = 420, label: String) -> String {
        let depths = (links.map(\.depth).max() ?? -1) + 2
        guard anchored > 0, depths >= 2 else {
            return "<svg class=\"sankey\" xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\" role=\"img\" aria-label=\"\(escape(label))\"></svg>"
        }
        let w = Double(width), nodeWidth = 12.0, pad = 10.0, top = 8.0
        let columnGap = (w - 160 - nodeWidth) / Double(max(depths - 1, 1))
        // Each column's nodes and their totals (in: the links into them; the anchor: every anchored profile).
        var totals: [[String: Int]] = Array(repeating: [:], count: depths)
        totals[0][anchor] = anchored
        for l in links where l.depth + 1 < depths { totals[l.depth + 1][l.to, default: 0] += l.count }  // trap-ok: checked
        // Room for every column's gaps (and a small node's label) besides the bars.
        let mostNodes = Double(totals.map(\.count).max() ?? 1)
        let h = max(Double(height), top * 2 + mostNodes * (pad + 4) + 200)
        let scale = (h - top * 2 - mostNodes * (pad + 4)) / Double(anchored)
        var y: [[String: Double]] = Array(repeating: [:], count: depths)
        var order: [[String]] = []
        for d in 0..<depths {
            let names = totals[d].sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)  // trap-ok: d < depths
            order.append(names)
            var at = top
            for n in names {
                y[d][n] = at  // trap-ok: same
                at += max(1, Double(totals[d][n] ?? 0) * scale) + pad + 4  // trap-ok: same
            }
        }
        func x(_ d: Int) -> Double { 4 + Double(d) * columnGap }
        var out = "<svg class=\"sankey\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fmt(w)) \(fmt(h))\" width=\"\(fmt(w))\" "
            + "height=\"\(fmt(h))\" role=\"img\" aria-label=\"\(escape(label))\"><title>\(escape(label))</title>"
        // Bands: stacked in each node in the order of the nodes they go to (or come from).
        var outOffset: [String: Double] = [:], inOffset: [String: Double] = [:]
        for l in links.sorted(by: { ($0.depth, $0.from, $1.count) < ($1.depth, $1.from, $0.count) }) where l.depth + 1 < depths {
            guard let y0 = y[l.depth][l.from], let y1 = y[l.depth + 1][l.to] else { continue }  // trap-ok: checked
            let thickness = max(1, Double(l.count) * scale)
            let kOut = "\(l.depth)\u{1}\(l.from)", kIn = "\(l.depth + 1)\u{1}\(l.to)"
            let a = y0 + (outOffset[kOut] ?? 0), b = y1 + (inOffset[kIn] ?? 0)
            outOffset[kOut, default: 0] += Double(l.count) * scale
            inOffset[kIn, default: 0] += Double(l.count) * scale
            let x0 = x(l.depth) + nodeWidth, x1 = x(l.depth + 1), mid = (x0 + x1) / 2
            out += "<path class=\"sankey-link\" data-depth=\"\(l.depth)\" data-from=\"\(escape(l.from))\" data-to=\"\(escape(l.to))\" "
                + "data-count=\"\(l.count)\" d=\"M\(fmt(x0)),\(fmt(a + thickness / 2)) C\(fmt(mid)),\(fmt(a + thickness / 2)) "
                + "\(fmt(mid)),\(fmt(b + thickness / 2)) \(fmt(x1)),\(fmt(b + thickness / 2))\" fill=\"none\" "
                + "stroke=\"\(color(at: 0))\" stroke-opacity=\"0.25\" stroke-width=\"\(fmt(thickness))\"><title>"
                + "\(escape(l.from)) → \(escape(l.to)): \(l.count)</title></path>"
        }
        for d in 0..<depths {
            for (k, n) in (order[d]).enumerated() {  // trap-ok: d < depths
                guard let y0 = y[d][n] else { continue }  // trap-ok: same
                let count = totals[d][n] ?? 0  // trap-ok: same
                let hh = max(1, Double(count) * scale)
                out += "<rect class=\"sankey-node\" data-depth=\"\(d)\" data-name=\"\(escape(n))\" data-count=\"\(count)\" "
                    + "x=\"\(fmt(x(d)))\" y=\"\(fmt(y0))\" width=\"\(fmt(nodeWidth))\" height=\"\(fmt(hh))\" "
                    + "fill=\"\(color(at: d == 0 ? 0 : k + 1))\"/>"
                out += "<text x=\"\(fmt(x(d) + nodeWidth + 4))\" y=\"\(fmt(y0 + min(hh, 24) / 2 + 4))\" font-size=\"11\">"
                    + "\(escape(truncate(n, to: 22))) \(formatFull(Double(count)))</text>"
            }
        }
        return out + "</svg>"
    }
}
