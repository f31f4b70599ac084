/// The identity fragments and `context` objects each channel sends.
extension SessionWriter {

    func anonymousFragment(_ plan: SessionPlan, junk: Bool) -> [UInt8] {
        var b = JSONBytes(capacity: 80)
        if junk { b.raw(",\"userId\":\"null\"") }
        b.raw(",\"anonymousId\":\"")
        world.writeAnonymousId(&b, customer, kind: UInt64(min(plan.source, 2)), slot: plan.slot)
        b.byte(0x22)
        return b.bytes
    }

    func fullFragment(_ plan: SessionPlan) -> [UInt8] {
        var b = JSONBytes(capacity: 96)
        b.raw(",\"userId\":\"")
        world.writeUserId(&b, customer)
        b.raw("\",\"anonymousId\":\"")
        world.writeAnonymousId(&b, customer, kind: UInt64(min(plan.source, 2)), slot: plan.slot)
        b.byte(0x22)
        return b.bytes
    }

    func writeIP(_ b: inout JSONBytes, _ p: CustomerProfile, slot: UInt8) {
        b.raw(cityOf(p).ipPrefix)
        b.byte(UInt8(ascii: "."))
        b.int(Int((p.ipTail >> 8) ^ UInt16(slot) &* 37) & 255)
        b.byte(UInt8(ascii: "."))
        b.int(Int(p.ipTail & 255))
    }

    func writeCampaign(_ b: inout JSONBytes, _ index: Int) {
        guard index >= 0, index < DemoTables.campaigns.count else { return }
        let c = DemoTables.campaigns[index]
        b.raw("\"campaign\":{\"medium\":\"")
        b.raw(c.medium)
        b.raw("\",\"name\":\"")
        b.raw(c.name)
        b.raw("\",\"source\":\"")
        b.raw(c.source)
        if c.term.utf8CodeUnitCount > 0 {
            b.raw("\",\"term\":\"")
            b.raw(c.term)
        }
        b.raw("\"},")
    }

    func webContext(_ plan: SessionPlan, _ p: CustomerProfile, campaign withCampaign: Bool = false) -> [UInt8] {
        var b = JSONBytes(capacity: 400)
        let city = cityOf(p)
        b.byte(0x7B)
        if withCampaign, let campaign = plan.campaign { writeCampaign(&b, campaign) }
        b.raw("\"ip\":\"")
        writeIP(&b, p, slot: plan.slot)
        b.raw("\",\"library\":{\"name\":\"analytics.js\",\"version\":\"next-1.70.0\"},\"locale\":\"")
        b.raw(city.locale)
        b.raw("\",\"timezone\":\"")
        b.raw(city.timezone)
        b.raw("\",\"userAgent\":\"")
        let agents = DemoTables.userAgents
        b.raw(agents[(Int(p.userAgent) + Int(plan.slot) * 3) % agents.count])
        b.raw("\"}")
        return b.bytes
    }

    func device(_ p: CustomerProfile, slot: UInt8) -> DemoTables.Device {
        let devices = DemoTables.devices
        return devices[(Int(p.device) + Int(slot) * 4) % devices.count]
    }

    func appVersion(_ plan: SessionPlan) -> (version: StaticString, build: StaticString) {
        let versions = DemoTables.appVersions
        let i = Int(Double(plan.second) / max(1, world.totalSeconds) * Double(versions.count))
        return versions[min(max(0, i), versions.count - 1)]
    }

    mutating func appContext(_ plan: SessionPlan, _ p: CustomerProfile, campaign withCampaign: Bool = false) -> [UInt8] {
        var b = JSONBytes(capacity: 600)
        let city = cityOf(p)
        let d = device(p, slot: plan.slot)
        let v = appVersion(plan)
        b.raw("{\"app\":{\"build\":\"")
        b.raw(v.build)
        b.raw("\",\"name\":\"悦购\",\"namespace\":\"cn.yuego.app\",\"version\":\"")
        b.raw(v.version)
        b.raw("\"},")
        if withCampaign, let campaign = plan.campaign { writeCampaign(&b, campaign) }
        b.raw("\"device\":{\"id\":\"")
        world.writeDeviceId(&b, customer, slot: plan.slot, ios: d.ios)
        b.raw("\",\"manufacturer\":\"")
        b.raw(d.manufacturer)
        b.raw("\",\"model\":\"")
        b.raw(d.model)
        b.raw(d.ios ? "\",\"type\":\"ios\"},\"ip\":\"" : "\",\"type\":\"android\"},\"ip\":\"")
        writeIP(&b, p, slot: 0)
        b.raw(d.ios ? "\",\"library\":{\"name\":\"analytics-ios\",\"version\":\"4.1.8\"},\"locale\":\""
                    : "\",\"library\":{\"name\":\"analytics-android\",\"version\":\"4.11.3\"},\"locale\":\"")
        b.raw(city.locale)
        b.raw("\",\"network\":{\"carrier\":\"")
        let carriers = DemoTables.carriers
        b.raw(carriers[(Int(p.ipTail) >> 3) % carriers.count])
        b.raw(rng.chance(0.6) ? "\",\"wifi\":true},\"os\":{\"name\":\"" : "\",\"wifi\":false},\"os\":{\"name\":\"")
        b.raw(d.osName)
        b.raw("\",\"version\":\"")
        b.raw(d.osVersion)
        b.raw("\"},\"screen\":{\"height\":")
        b.int(d.height)
        b.raw(",\"width\":")
        b.int(d.width)
        b.raw("},\"timezone\":\"")
        b.raw(city.timezone)
        b.raw("\"}")
        return b.bytes
    }

    func miniContext(_ plan: SessionPlan, _ p: CustomerProfile, withUnionId: Bool) -> [UInt8] {
        var b = JSONBytes(capacity: 500)
        let d = device(p, slot: 0)
        let versions = DemoTables.miniVersions
        let vi = Int(Double(plan.second) / max(1, world.totalSeconds) * Double(versions.count))
        b.raw("{\"app\":{\"name\":\"悦购小程序\",\"version\":\"")
        b.raw(versions[min(max(0, vi), versions.count - 1)])
        b.raw("\"},\"device\":{\"brand\":\"")
        b.raw(d.manufacturer)
        b.raw("\",\"model\":\"")
        b.raw(d.marketingName)
        b.raw(d.ios ? "\",\"type\":\"ios\"}," : "\",\"type\":\"android\"},")
        b.raw("\"externalIds\":[{\"collection\":\"users\",\"encoding\":\"none\",\"id\":\"")
        world.writeWeChatId(&b, customer, union: false)
        b.raw("\",\"type\":\"wechat_openid\"}")
        if withUnionId {
            b.raw(",{\"collection\":\"users\",\"encoding\":\"none\",\"id\":\"")
            world.writeWeChatId(&b, customer, union: true)
            b.raw("\",\"type\":\"wechat_unionid\"}")
        }
        b.raw("],\"ip\":\"")
        writeIP(&b, p, slot: 0)
        b.raw("\",\"library\":{\"name\":\"analytics-wechat-miniprogram\",\"version\":\"1.4.2\"},\"locale\":\"zh_CN\",\"os\":{\"name\":\"")
        b.raw(d.osName)
        b.raw("\",\"version\":\"")
        b.raw(d.osVersion)
        b.raw("\"}}")
        return b.bytes
    }

    func storeContext(_ p: CustomerProfile) -> [UInt8] {
        var b = JSONBytes(capacity: 200)
        let city = cityOf(p)
        b.raw("{\"library\":{\"name\":\"yuego-pos\",\"version\":\"2.3.0\"},\"location\":{\"city\":\"")
        b.raw(city.cn)
        b.raw("\",\"country\":\"")
        b.raw(city.country)
        b.raw("\"},\"timezone\":\"")
        b.raw(city.timezone)
        b.raw("\"}")
        return b.bytes
    }
}
