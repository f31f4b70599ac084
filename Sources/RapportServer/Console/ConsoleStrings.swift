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
        // Tags, RFM, clusters
        ("noTags", "No tags yet. Tags label customers by hand (one by one or from a CSV) or by a rule that keeps them current."),
        ("tagRule", "Rule"),
        ("tagByHand", "set by hand"),
        ("uploadCSV", "Upload CSV"),
        ("tagRemoveMode", "take off"),
        ("delete", "Delete"),
        ("newTag", "New tag"),
        ("tagGroup", "Group"),
        ("tagRuleOptional", "Rule (optional: a condition that keeps the tag current)"),
        ("saveTag", "Save tag"),
        ("tagHelp", "A CSV has a header line, then one customer per line by profile_id, identifier (kind:value), user_id, email, phone, wechat_unionid, wechat_openid or anonymous_id."),
        ("tagDeleteConfirm", "Delete this tag? It is taken off every customer."),
        ("tagSaved", "Tag %1 saved."),
        ("tagDeleted", "Tag %1 deleted."),
        ("tagUploadAdded", "Tagged %1 customers; %2 already had it; %3 not found."),
        ("tagUploadRemoved", "Took the tag off %1 customers; %2 did not have it; %3 not found."),
        ("tagGroup_member_level", "Member level"),
        ("tagGroup_loyalty", "Loyalty"),
        ("tagGroup_activity", "Activity participation"),
        ("tagGroup_acquisition", "Acquisition path"),
        ("tagGroup_lifecycle", "Lifecycle"),
        ("tagGroup_referral", "Referral and spread"),
        ("tagGroup_natural", "Natural attributes"),
        ("tagGroup_behaviour", "Behaviour"),
        ("rfm", "RFM"),
        ("noRFM", "RFM is off. It scores every customer 1–5 on recency, frequency and spend of their purchases and sorts them into groups such as Champions and At Risk."),
        ("useRFM", "Turn RFM on (Order Completed, revenue)"),
        ("rfmSaved", "RFM is on."),
        ("rfmAbout", "Scores 1–5 by quintiles of rank over the customers with a purchase:"),
        ("rfmGrid", "Customers by recency (R) and frequency (F)"),
        ("rfmGridHelp", "Each cell: customers, their average spend, and their group. R 5 bought most recently, F 5 on the most days."),
        ("rfmGroups", "Groups"),
        ("rfmGroup", "Group"),
        ("rfmGroup_Champions", "Champions"),
        ("rfmGroup_Loyal", "Loyal"),
        ("rfmGroup_Potential_Loyalist", "Potential Loyalist"),
        ("rfmGroup_New", "New"),
        ("rfmGroup_Promising", "Promising"),
        ("rfmGroup_Need_Attention", "Need Attention"),
        ("rfmGroup_About_to_Sleep", "About to Sleep"),
        ("rfmGroup_At_Risk", "At Risk"),
        ("rfmGroup_Cannot_Lose_Them", "Cannot Lose Them"),
        ("rfmGroup_Hibernating", "Hibernating"),
        ("rfmGroup_Lost", "Lost"),
        // Insights
        ("funnel", "Funnel"),
        ("funnelSteps", "Steps, one per line (an event, or \"Event\" where condition)"),
        ("windowDays", "Window (days)"),
        ("funnelOrder", "Order"),
        ("order_sequential", "In order"),
        ("order_strict", "Strictly in a row"),
        ("order_any", "Any order"),
        ("fromDay", "From"),
        ("toDay", "To"),
        ("breakdown", "Breakdown"),
        ("trendBy", "Trend by"),
        ("period_day", "Day"),
        ("period_week", "Week"),
        ("period_month", "Month"),
        ("runReport", "Run"),
        ("downloadCSV", "Download CSV"),
        ("funnelHelp", "A customer counts once, by the attempt that got furthest within the window after a first step in the dates chosen. Breakdown: trait:city, segment:NAME or property:utm_campaign (of the first step's event)."),
        ("funnelChart", "Customers per step"),
        ("step", "Step"),
        ("ofFirstStep", "Of first step"),
        ("ofPreviousStep", "Of previous step"),
        ("droppedAfter", "Dropped after"),
        ("medianTime", "Median time from previous"),
        ("conversionTrend", "Conversion by day of entry"),
        ("conversion", "Conversion"),
        ("retention", "Retention"),
        ("cohortEvent", "Cohort event"),
        ("anyFirstEvent", "first seen (any event)"),
        ("returnEvent", "Return event"),
        ("period", "Period"),
        ("periods", "Periods"),
        ("retentionMode", "Counting"),
        ("mode_bounded", "In that period"),
        ("mode_unbounded", "In that period or later"),
        ("cohort", "Cohort"),
        ("noCohorts", "No customer did the cohort event yet."),
        ("clusters", "Clusters"),
        ("noClusters", "No clusters yet. k-means groups customers by figures such as recency, frequency and spend, and keeps each customer's cluster current."),
        ("useClusters", "Cluster by recency, frequency and spend"),
        ("clustersNeedRFM", "Clusters by recency, frequency and spend need RFM: turn it on first."),
        ("clustersFitted", "The clusters were fitted on the customers as they are now."),
        ("clustersNamed", "Cluster names saved."),
        ("clusterProfiles", "Cluster profiles"),
        ("refit", "Fit again"),
        ("cluster", "Cluster"),
        ("clusterName", "Name of cluster"),
        ("makeSegment", "Make a segment"),
        ("noCluster", "No cluster (a figure missing)"),
        ("saveClusterNames", "Save names"),
        ("clusterFitAbout", "Fitted"),
        ("inertia", "inertia"),
        ("clusterHelp", "Each figure is the cluster's centre; the bar shows it against the average customer (right: above, left: below, up to two deviations). New customers join the nearest cluster as their figures change; fitting again may move everyone."),
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
        // Tags, RFM, clusters
        ("noTags", "还没有标签。标签可手动打（逐个或上传 CSV），也可由规则自动保持最新。"),
        ("tagRule", "规则"),
        ("tagByHand", "手动"),
        ("uploadCSV", "上传 CSV"),
        ("tagRemoveMode", "移除"),
        ("delete", "删除"),
        ("newTag", "新建标签"),
        ("tagGroup", "分组"),
        ("tagRuleOptional", "规则（可选：满足条件的客户自动带上此标签）"),
        ("saveTag", "保存标签"),
        ("tagHelp", "CSV 第一行为表头，之后每行一位客户，按 profile_id、identifier（类型:值）、user_id、email、phone、wechat_unionid、wechat_openid 或 anonymous_id 识别。"),
        ("tagDeleteConfirm", "删除此标签？所有客户都将被移除该标签。"),
        ("tagSaved", "标签 %1 已保存。"),
        ("tagDeleted", "标签 %1 已删除。"),
        ("tagUploadAdded", "已为 %1 位客户打上标签；%2 位已有；%3 条未找到。"),
        ("tagUploadRemoved", "已为 %1 位客户移除标签；%2 位原本没有；%3 条未找到。"),
        ("tagGroup_member_level", "会员等级"),
        ("tagGroup_loyalty", "忠诚度"),
        ("tagGroup_activity", "活动参与"),
        ("tagGroup_acquisition", "获客渠道"),
        ("tagGroup_lifecycle", "生命周期"),
        ("tagGroup_referral", "推荐传播"),
        ("tagGroup_natural", "自然属性"),
        ("tagGroup_behaviour", "行为特征"),
        ("rfm", "RFM"),
        ("noRFM", "RFM 未开启。开启后按最近购买、购买频次和消费金额为每位客户打 1–5 分，并归入重要价值、流失风险等分组。"),
        ("useRFM", "开启 RFM（Order Completed，revenue）"),
        ("rfmSaved", "RFM 已开启。"),
        ("rfmAbout", "按有购买的客户排名五等分打 1–5 分："),
        ("rfmGrid", "按最近购买（R）和购买频次（F）的客户分布"),
        ("rfmGridHelp", "每格：客户数、平均消费金额和所属分组。R 5 为最近购买，F 5 为购买天数最多。"),
        ("rfmGroups", "分组"),
        ("rfmGroup", "分组"),
        ("rfmGroup_Champions", "重要价值客户"),
        ("rfmGroup_Loyal", "忠诚客户"),
        ("rfmGroup_Potential_Loyalist", "潜在忠诚客户"),
        ("rfmGroup_New", "新客户"),
        ("rfmGroup_Promising", "有潜力客户"),
        ("rfmGroup_Need_Attention", "需要关注"),
        ("rfmGroup_About_to_Sleep", "即将沉睡"),
        ("rfmGroup_At_Risk", "流失风险"),
        ("rfmGroup_Cannot_Lose_Them", "不能失去"),
        ("rfmGroup_Hibernating", "休眠客户"),
        ("rfmGroup_Lost", "已流失"),
        // Insights
        ("funnel", "漏斗分析"),
        ("funnelSteps", "步骤，每行一个（事件名，或 \"事件\" where 条件）"),
        ("windowDays", "转化窗口（天）"),
        ("funnelOrder", "顺序"),
        ("order_sequential", "按顺序"),
        ("order_strict", "严格连续"),
        ("order_any", "任意顺序"),
        ("fromDay", "开始日期"),
        ("toDay", "结束日期"),
        ("breakdown", "分组"),
        ("trendBy", "趋势粒度"),
        ("period_day", "日"),
        ("period_week", "周"),
        ("period_month", "月"),
        ("runReport", "查询"),
        ("downloadCSV", "下载 CSV"),
        ("funnelHelp", "每位客户只计一次：取所选日期内进入第一步后、在窗口内走得最远的一次。分组示例：trait:city、segment:名称、property:utm_campaign（第一步事件的属性）。"),
        ("funnelChart", "各步骤客户数"),
        ("step", "步骤"),
        ("ofFirstStep", "占第一步"),
        ("ofPreviousStep", "占上一步"),
        ("droppedAfter", "此步后流失"),
        ("medianTime", "距上一步中位时长"),
        ("conversionTrend", "按进入日期的转化率"),
        ("conversion", "转化率"),
        ("retention", "留存分析"),
        ("cohortEvent", "初始事件"),
        ("anyFirstEvent", "首次出现（任意事件）"),
        ("returnEvent", "回访事件"),
        ("period", "周期"),
        ("periods", "周期数"),
        ("retentionMode", "计算方式"),
        ("mode_bounded", "当期留存"),
        ("mode_unbounded", "当期及之后"),
        ("cohort", "同期群"),
        ("noCohorts", "还没有客户做过初始事件。"),
        ("clusters", "客户聚类"),
        ("noClusters", "还没有聚类。k-means 按最近购买、频次、金额等指标将客户分群，并随客户变化保持每位客户的所属群最新。"),
        ("useClusters", "按最近购买、频次和金额聚类"),
        ("clustersNeedRFM", "按最近购买、频次和金额聚类需要 RFM：请先开启 RFM。"),
        ("clustersFitted", "已按当前客户重新拟合聚类。"),
        ("clustersNamed", "聚类名称已保存。"),
        ("clusterProfiles", "聚类画像"),
        ("refit", "重新拟合"),
        ("cluster", "聚类"),
        ("clusterName", "聚类名称"),
        ("makeSegment", "建为分群"),
        ("noCluster", "无聚类（缺少指标）"),
        ("saveClusterNames", "保存名称"),
        ("clusterFitAbout", "拟合于"),
        ("inertia", "惯性"),
        ("clusterHelp", "每个数值为该聚类的中心；条形显示其相对平均客户的位置（右：高于，左：低于，最多两个标准差）。新客户随指标变化归入最近的聚类；重新拟合可能使所有客户改变聚类。"),
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
