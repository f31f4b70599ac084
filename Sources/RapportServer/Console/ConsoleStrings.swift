/// A language the operator console is available in.
///
/// The raw value is the BCP 47 tag used in `<html lang>` and in `?lang=`.
public enum ConsoleLanguage: String, Sendable, CaseIterable {
    /// English.
    case en
    /// Simplified Chinese.
    case zhCN = "zh-CN"

    /// Parses a language tag or an `Accept-Language` header value.
    ///
    /// Accepts single tags (`en`, `en-US`, `zh`, `zh-CN`, `zh_cn`, any case) and
    /// header lists such as `fr;q=0.9, zh-CN;q=0.8, en;q=0.5`; with a list the
    /// supported language with the highest `q` wins (earlier wins ties). Any
    /// `zh-*` tag maps to ``zhCN`` and any `en-*` tag to ``en``.
    ///
    /// - Parameter raw: The text to parse; `nil` or empty gives `nil`.
    /// - Returns: The best supported language, or `nil` when none is supported.
    public static func from(_ raw: String?) -> ConsoleLanguage? {
        guard let raw, !raw.isEmpty, raw.utf8.count <= 1024 else { return nil }
        var best: ConsoleLanguage?
        var bestQuality = -1.0
        for item in raw.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: ";", omittingEmptySubsequences: false)
            guard let tagPart = parts.first else { continue }
            guard let language = match(tag: tagPart) else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let trimmed = parameter.trimmingSpaces()
                guard trimmed.hasPrefix("q=") || trimmed.hasPrefix("Q=") else { continue }
                quality = Double(trimmed.dropFirst(2)) ?? 0
                if !quality.isFinite { quality = 0 }
            }
            if quality > 0, quality > bestQuality {
                best = language
                bestQuality = quality
            }
        }
        return best
    }

    /// Maps one tag (`zh_CN`, `en-us`, …) to a supported language.
    private static func match(tag: Substring) -> ConsoleLanguage? {
        let lowered = tag.trimmingSpaces().lowercased()
        let primary = lowered.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        switch primary {
        case "en": return .en
        case "zh": return .zhCN
        default: return nil
        }
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}

/// Every label the console templates show, per language.
///
/// Templates read them as `{{t.key}}`; pass ``table(_:)`` as `t` in every
/// render context (layout and page). Both tables hold exactly the same keys
/// (a test checks it); add a key to both when a template needs new text.
enum ConsoleStrings {
    /// The label table for `lang`.
    static func table(_ lang: ConsoleLanguage) -> [String: String] {
        switch lang {
        case .en: return en
        case .zhCN: return zhCN
        }
    }

    static let en: [String: String] = Dictionary(enPairs, uniquingKeysWith: { first, _ in first })
    static let zhCN: [String: String] = Dictionary(zhCNPairs, uniquingKeysWith: { first, _ in first })

    /// English labels (pairs, so a duplicate key cannot trap; a test checks uniqueness).
    static let enPairs: [(String, String)] = [
        // Layout
        ("navigation", "Main navigation"),
        ("language", "Language"),
        ("languageEn", "English"),
        ("languageZh", "中文"),
        ("signedInAs", "Signed in as"),
        ("user", "User"),
        ("logout", "Log out"),
        ("backToOverview", "Back to overview"),
        ("noData", "No data"),
        // Login
        ("login", "Sign in"),
        ("loginHint", "Sign in to the Rapport operator console."),
        ("username", "Username"),
        ("password", "Password"),
        ("signIn", "Sign in"),
        ("loginFailed", "Incorrect username or password."),
        ("loginRequired", "Please sign in to continue."),
        // Overview
        ("overview", "Overview"),
        ("profiles", "Profiles"),
        ("events", "Events"),
        ("orders", "Orders"),
        ("revenue", "Revenue"),
        ("merges", "Identity merges"),
        ("identityWarnings", "Identity warnings"),
        ("eventsPerDay", "Events per day by source"),
        ("identifiersByKind", "Identifiers by kind"),
        ("eventsBySource", "Events by source"),
        ("recentMerges", "Recent identity merges"),
        // Customers
        ("customers", "Customers"),
        ("search", "Search"),
        ("searchPlaceholder", "Email, phone, user ID or name"),
        ("results", "Results"),
        ("noResults", "No customers match your search."),
        ("customer", "Customer"),
        ("customer360", "Customer 360"),
        // Customer 360
        ("id", "ID"),
        ("name", "Name"),
        ("identifiers", "Identifiers"),
        ("identifier", "Identifier"),
        ("profile", "Profile"),
        ("traits", "Traits"),
        ("key", "Trait"),
        ("value", "Value"),
        ("setAt", "Set at"),
        ("summary", "Summary"),
        ("firstSeen", "First seen"),
        ("lastSeen", "Last seen"),
        ("refunds", "Refunds"),
        ("eventCounts", "Event counts"),
        ("timeline", "Timeline"),
        ("time", "Time"),
        ("source", "Source"),
        ("type", "Type"),
        ("detail", "Detail"),
        ("older", "Older events"),
        ("mergeHistory", "Merge history"),
        ("mergeFrom", "Merged from"),
        ("mergeInto", "Merged into"),
        ("mergedInto", "Profile %1 was merged into this profile."),
        ("messageId", "Message ID"),
        ("undone", "Undone at"),
        ("actions", "Actions"),
        ("unmerge", "Unmerge"),
        ("unmerged", "Merge %1 was undone."),
        ("unmergeFailed", "The merge could not be undone."),
        ("kind", "Kind"),
        ("count", "Count"),
        // Segments
        ("segments", "Segments"),
        ("segmentBuilder", "New segment"),
        ("condition", "Condition"),
        ("conditionPlaceholder", "city = \"上海\" and count \"Order Completed\" within 30 days >= 2"),
        ("conditionHelp", "Write who you mean in the condition language; the size updates as you type."),
        ("liveSize", "%1 of %2 profiles match"),
        ("segmentName", "Name"),
        ("saveSegment", "Save segment"),
        ("segmentSaved", "Segment %1 saved: %2 profiles."),
        ("noSegments", "No segments yet: write a condition above and save it."),
        ("size", "Size"),
        ("trend14", "Last 14 days"),
        // Lifecycle
        ("lifecycle", "Lifecycle"),
        ("noLifecycle", "No lifecycle model yet. The default model sorts customers into won back, new, loyal, active, at risk, churned and potential by their purchases."),
        ("useStandardLifecycle", "Use the default model"),
        ("lifecycleSaved", "The default lifecycle model is on."),
        ("stageCounts", "Customers per stage"),
        ("stage", "Stage"),
        ("trend30", "Last 30 days"),
        ("meaning", "Meaning"),
        ("churnWarning", "churn warning"),
        ("noStage", "No stage"),
        ("stageFlows", "Moves between stages, last 30 days"),
        ("noFlows", "No moves between stages in the last 30 days."),
        ("fromStage", "From"),
        ("toStage", "To"),
        ("stageConditions", "Stage conditions"),
        ("stageOrder", "A customer is in the first stage, from the top, whose condition holds."),
        ("stage_won_back", "Won back"),
        ("stage_new", "New"),
        ("stage_loyal", "Loyal"),
        ("stage_active", "Active"),
        ("stage_at_risk", "At risk"),
        ("stage_churned", "Churned"),
        ("stage_potential", "Potential"),
        ("audience", "Audience"),
        ("since", "since"),
        ("tags", "Tags"),
        ("computedTraits", "Computed trait"),
        ("rfmFigures", "days since the last purchase / purchase days / spend"),
        // Errors
        ("error", "Error"),
        ("notFound", "Not found"),
        ("notFoundMessage", "The page you asked for does not exist."),
        ("noSuchCustomer", "There is no customer with this ID."),
        ("forbidden", "Forbidden"),
        ("forbiddenMessage", "Your account is not allowed to do this."),
        ("serverError", "Something went wrong"),
        ("serverErrorMessage", "The server could not complete the request. Please try again."),
    ]

    /// Simplified Chinese labels; same keys as ``enPairs``.
    static let zhCNPairs: [(String, String)] = [
        // Layout
        ("navigation", "主导航"),
        ("language", "语言"),
        ("languageEn", "English"),
        ("languageZh", "中文"),
        ("signedInAs", "当前登录"),
        ("user", "用户"),
        ("logout", "退出"),
        ("backToOverview", "返回概览"),
        ("noData", "暂无数据"),
        // Login
        ("login", "登录"),
        ("loginHint", "登录 Rapport 运营控制台。"),
        ("username", "用户名"),
        ("password", "密码"),
        ("signIn", "登录"),
        ("loginFailed", "用户名或密码错误。"),
        ("loginRequired", "请先登录。"),
        // Overview
        ("overview", "概览"),
        ("profiles", "客户档案"),
        ("events", "事件"),
        ("orders", "订单"),
        ("revenue", "收入"),
        ("merges", "身份合并"),
        ("identityWarnings", "身份告警"),
        ("eventsPerDay", "每日事件数（按来源）"),
        ("identifiersByKind", "按类型统计标识"),
        ("eventsBySource", "按来源统计事件"),
        ("recentMerges", "最近的身份合并"),
        // Customers
        ("customers", "客户"),
        ("search", "搜索"),
        ("searchPlaceholder", "邮箱、手机号、用户 ID 或姓名"),
        ("results", "搜索结果"),
        ("noResults", "没有找到匹配的客户。"),
        ("customer", "客户"),
        ("customer360", "客户 360"),
        // Customer 360
        ("id", "ID"),
        ("name", "名称"),
        ("identifiers", "标识"),
        ("identifier", "标识"),
        ("profile", "档案"),
        ("traits", "属性"),
        ("key", "属性名"),
        ("value", "值"),
        ("setAt", "设置时间"),
        ("summary", "汇总"),
        ("firstSeen", "首次出现"),
        ("lastSeen", "最近出现"),
        ("refunds", "退款"),
        ("eventCounts", "事件统计"),
        ("timeline", "时间线"),
        ("time", "时间"),
        ("source", "来源"),
        ("type", "类型"),
        ("detail", "详情"),
        ("older", "更早的事件"),
        ("mergeHistory", "合并记录"),
        ("mergeFrom", "合并自"),
        ("mergeInto", "合并到"),
        ("mergedInto", "客户档案 %1 已合并到当前档案。"),
        ("messageId", "消息 ID"),
        ("undone", "撤销时间"),
        ("actions", "操作"),
        ("unmerge", "撤销合并"),
        ("unmerged", "已撤销合并 %1。"),
        ("unmergeFailed", "无法撤销该合并。"),
        ("kind", "类型"),
        ("count", "数量"),
        // Segments
        ("segments", "人群分群"),
        ("segmentBuilder", "新建分群"),
        ("condition", "条件"),
        ("conditionPlaceholder", "city = \"上海\" and count \"Order Completed\" within 30 days >= 2"),
        ("conditionHelp", "用条件语言描述目标人群；输入时实时显示人数。"),
        ("liveSize", "匹配 %1 / %2 个客户"),
        ("segmentName", "名称"),
        ("saveSegment", "保存分群"),
        ("segmentSaved", "分群 %1 已保存：%2 个客户。"),
        ("noSegments", "还没有分群：在上方写好条件后保存。"),
        ("size", "人数"),
        ("trend14", "近 14 天"),
        // Lifecycle
        ("lifecycle", "生命周期"),
        ("noLifecycle", "还没有生命周期模型。默认模型按购买行为把客户分为：召回、新客、忠诚、活跃、流失预警、已流失、潜在客户。"),
        ("useStandardLifecycle", "启用默认模型"),
        ("lifecycleSaved", "已启用默认生命周期模型。"),
        ("stageCounts", "各阶段客户数"),
        ("stage", "阶段"),
        ("trend30", "近 30 天"),
        ("meaning", "含义"),
        ("churnWarning", "流失预警"),
        ("noStage", "无阶段"),
        ("stageFlows", "近 30 天阶段流转"),
        ("noFlows", "近 30 天没有阶段流转。"),
        ("fromStage", "从"),
        ("toStage", "到"),
        ("stageConditions", "阶段条件"),
        ("stageOrder", "客户属于自上而下第一个条件成立的阶段。"),
        ("stage_won_back", "召回"),
        ("stage_new", "新客"),
        ("stage_loyal", "忠诚"),
        ("stage_active", "活跃"),
        ("stage_at_risk", "流失预警"),
        ("stage_churned", "已流失"),
        ("stage_potential", "潜在客户"),
        ("audience", "人群画像"),
        ("since", "自"),
        ("tags", "标签"),
        ("computedTraits", "计算属性"),
        ("rfmFigures", "距上次购买天数 / 购买天数 / 消费金额"),
        // Errors
        ("error", "出错了"),
        ("notFound", "未找到"),
        ("notFoundMessage", "您访问的页面不存在。"),
        ("noSuchCustomer", "不存在该 ID 的客户。"),
        ("forbidden", "无权访问"),
        ("forbiddenMessage", "您的账号没有执行此操作的权限。"),
        ("serverError", "服务器出错"),
        ("serverErrorMessage", "服务器无法完成请求，请稍后重试。"),
    ]
}
