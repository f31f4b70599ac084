import RapportCore
import Testing

@Suite struct TimestampTests {
    let may1 = Int64(1_714_558_830_000)  // 2024-05-01T10:20:30Z

    @Test func epochAndKnownValues() {
        #expect(Timestamp.parseISO8601("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parseISO8601("2024-05-01T10:20:30.123Z") == 1_714_558_830_123)
        #expect(Timestamp.parseISO8601("2024-05-01T10:20:30.123+05:30") == 1_714_539_030_123)
        #expect(Timestamp.parseISO8601("2000-02-29T23:59:59.999-08:00") == 951_897_599_999)
        #expect(Timestamp.parseISO8601("1997-01-01") == 852_076_800_000)
    }

    @Test(arguments: [
        ("2024-05-01T10:20:30Z", 0),
        ("2024-05-01T10:20:30.1Z", 100),
        ("2024-05-01T10:20:30.12Z", 120),
        ("2024-05-01T10:20:30.123Z", 123),
        ("2024-05-01T10:20:30.1234Z", 123),
        ("2024-05-01T10:20:30.12345Z", 123),
        ("2024-05-01T10:20:30.123456Z", 123),
        ("2024-05-01T10:20:30.1234567Z", 123),
        ("2024-05-01T10:20:30.12345678Z", 123),
        ("2024-05-01T10:20:30.999999999Z", 999),
        ("2024-05-01T10:20:30.000000001Z", 0),
    ] as [(String, Int64)])
    func fractionDigitsAreTruncatedToMilliseconds(text: String, millis: Int64) {
        #expect(Timestamp.parseISO8601(text) == may1 + millis)
    }

    @Test func fractionsNeedOneToNineDigits() {
        #expect(Timestamp.parseISO8601("2024-05-01T10:20:30.Z") == nil)
        #expect(Timestamp.parseISO8601("2024-05-01T10:20:30.") == nil)
        #expect(Timestamp.parseISO8601("2024-05-01T10:20:30.1234567890Z") == nil)
    }

    @Test(arguments: [
        "2024-05-01T10:20:30Z", "2024-05-01T10:20:30z", "2024-05-01T10:20:30",
        "2024-05-01T10:20:30+00:00", "2024-05-01T10:20:30-00:00", "2024-05-01T10:20:30+0000",
        "2024-05-01T10:20:30+00", "2024-05-01t10:20:30Z", "2024-05-01 10:20:30Z",
        "2024-05-01T12:20:30+02:00", "2024-05-01T12:20:30+0200", "2024-05-01T12:20:30+02",
        "2024-05-01T04:50:30-05:30", "2024-05-01T04:50:30-0530", "2024-05-02T00:20:30+14:00",
        "2024-04-30T22:20:30-12", "2024-05-01T10:20:30.000Z",
    ])
    func offsetsAndSeparators(text: String) {
        #expect(Timestamp.parseISO8601(text) == may1, "\(text)")
    }

    @Test func minutesWithoutSeconds() {
        #expect(Timestamp.parseISO8601("2024-05-01T10:20Z") == may1 - 30_000)
        #expect(Timestamp.parseISO8601("2024-05-01T12:20+02:00") == may1 - 30_000)
        #expect(Timestamp.parseISO8601("2024-05-01T10:20") == may1 - 30_000)
    }

    @Test func dateOnlyIsMidnightUTC() {
        #expect(Timestamp.parseISO8601("2024-05-01") == 1_714_521_600_000)
        #expect(Timestamp.parseDate("2024-05-01") == 1_714_521_600_000)
        #expect(Timestamp.parseDate("2024-05-01T00:00:00Z") == nil)
    }

    @Test(arguments: [
        "2023-02-29", "2024-02-30", "2023-04-31", "2023-06-31", "2023-09-31", "2023-11-31",
        "2023-13-01", "2023-00-10", "2023-01-00", "2023-01-32", "1900-02-29", "2100-02-29",
        "2024-05-01T24:00:00Z", "2024-05-01T24:00Z", "2024-05-01T23:60:00Z", "2024-05-01T10:20:61Z",
        "2024-05-01T25:00:00Z", "2024-5-1", "2024-05-1", "24-05-01", "+2024-05-01",
        "2024-05-01 ", " 2024-05-01", "2024-05-01T", "2024-05-01T10", "2024-05-01T10:2",
        "2024-05-01T10:20:3", "2024-05-01Z", "2024-05-01T10:20:30+2", "2024-05-01T10:20:30+02:0",
        "2024-05-01T10:20:30+24:00", "2024-05-01T10:20:30+02:60", "2024-05-01T10:20:30ZZ",
        "2024-05-01T10:20:30 Z", "2024-05-01T10:20:30,123Z", "2024/05/01", "2024-05-01X10:20:30Z",
        "", "now", "2024-05-01T10:20:30.12a", "2024-05-01T1a:20:30Z", "2024-05-01T10:20:30+02:00:00",
    ])
    func invalidTimes(text: String) {
        #expect(Timestamp.parseISO8601(text) == nil, "\(text)")
    }

    @Test func leapYears() {
        #expect(Timestamp.parseISO8601("2024-02-29") != nil)
        #expect(Timestamp.parseISO8601("2000-02-29") != nil)
        #expect(Timestamp.parseISO8601("1600-02-29") != nil)
        #expect(Timestamp.parseISO8601("1900-02-29") == nil)
        #expect(Timestamp.parseISO8601("2023-02-29") == nil)
        #expect(Timestamp.isLeapYear(2024) && Timestamp.isLeapYear(2000) && !Timestamp.isLeapYear(1900))
        #expect(Timestamp.daysInMonth(year: 2024, month: 2) == 29)
        #expect(Timestamp.daysInMonth(year: 2023, month: 2) == 28)
        let feb28 = Timestamp.parseISO8601("2024-02-28T00:00:00Z")
        let mar1 = Timestamp.parseISO8601("2024-03-01T00:00:00Z")
        #expect(mar1.flatMap { m in feb28.map { m - $0 } } == 2 * Timestamp.millisPerDay)
    }

    @Test func leapSecondRollsIntoTheNextMinute() {
        #expect(Timestamp.parseISO8601("2016-12-31T23:59:60Z") == Timestamp.parseISO8601("2017-01-01T00:00:00Z"))
    }

    @Test func before1970() {
        #expect(Timestamp.parseISO8601("1969-12-31T23:59:59.999Z") == -1)
        #expect(Timestamp.parseISO8601("1900-01-01T00:00:00Z") == -2_208_988_800_000)
        #expect(Timestamp.parseISO8601("0001-01-01T00:00:00Z") == -62_135_596_800_000)
        #expect(Timestamp.parseISO8601("0000-01-01") == -62_167_219_200_000)
        #expect(Timestamp.parseISO8601("9999-12-31T23:59:59.999Z") == 253_402_300_799_999)
        #expect(Timestamp.formatISO8601(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.formatISO8601(-2_208_988_800_000) == "1900-01-01T00:00:00.000Z")
    }

    @Test func formatting() {
        #expect(Timestamp.formatISO8601(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.formatISO8601(1_714_558_830_123) == "2024-05-01T10:20:30.123Z")
        #expect(Timestamp.formatISO8601(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.formatISO8601(253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.formatISO8601(-62_167_219_200_000) == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp.formatISO8601(-62_167_219_200_001) == "-0001-12-31T23:59:59.999Z")
        #expect(Timestamp.formatISO8601(253_402_300_800_000) == "+10000-01-01T00:00:00.000Z")
    }

    @Test func formattingExtremesDoesNotTrap() {
        #expect(Timestamp.formatISO8601(.max).hasPrefix("+292278994-08-17T07:12:55.807Z"))
        #expect(Timestamp.formatISO8601(.min).hasPrefix("-292275055-05-16T16:47:04.192Z"))
    }

    @Test func formatThenParseRoundTrips() {
        var rng = SplitMix64(seed: 1234)
        let low = Int64(-62_167_219_200_000)
        let span = UInt64(253_402_300_799_999 - low + 1)
        for _ in 0..<20_000 {
            let millis = low + Int64(rng.next() % span)
            let text = Timestamp.formatISO8601(millis)
            #expect(Timestamp.parseISO8601(text) == millis, "\(text)")
        }
    }

    @Test func calendarArithmeticIsConsistentDayByDay() {
        // From 1600-03-01 to 2400-03-01, each day follows the previous one.
        var days = Timestamp.daysFromCivil(year: 1600, month: 3, day: 1)
        var (year, month, day) = (Int64(1600), 3, 1)
        let end = Timestamp.daysFromCivil(year: 2400, month: 3, day: 1)
        var failures = 0
        while days < end {
            let civil = Timestamp.civilFromDays(days)
            if civil != (year, month, day) || Timestamp.daysFromCivil(year: year, month: month, day: day) != days {
                failures += 1
            }
            days += 1
            day += 1
            if day > Timestamp.daysInMonth(year: year, month: month) {
                day = 1
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
            }
        }
        #expect(failures == 0)
        #expect(Timestamp.civilFromDays(0) == (1970, 1, 1))
        #expect(Timestamp.civilFromDays(-1) == (1969, 12, 31))
    }

    @Test func compactDates() {
        #expect(Timestamp.parseYYYYMMDD("19970101") == 852_076_800_000)
        #expect(Timestamp.parseYYYYMMDD("19980630") == Timestamp.parseDate("1998-06-30"))
        #expect(Timestamp.parseYYYYMMDD("20000229") != nil)
        for bad in ["19970230", "19971301", "1997011", "199701011", "1997-01-01", "1997010a", ""] {
            #expect(Timestamp.parseYYYYMMDD(bad) == nil, "\(bad)")
        }
    }

    @Test func bytesAndSubstrings() {
        let line = "x,2024-05-01T10:20:30Z,y"
        let field = line.split(separator: ",")[1]
        #expect(Timestamp.parseISO8601(field) == may1)
        #expect(Timestamp.parseISO8601(Array("2024-05-01T10:20:30Z".utf8)) == may1)
        #expect(Timestamp.parseYYYYMMDD(Substring("19970101")) == 852_076_800_000)
    }

    @Test func calendarHelpersClampInsteadOfTrapping() {
        _ = Timestamp.civilFromDays(.max)
        _ = Timestamp.civilFromDays(.min)
        _ = Timestamp.daysFromCivil(year: .max, month: .max, day: .max)
        _ = Timestamp.daysFromCivil(year: .min, month: .min, day: .min)
        #expect(Timestamp.daysFromCivil(year: 2024, month: 3, day: 0) == Timestamp.daysFromCivil(year: 2024, month: 2, day: 29))
    }

    @Test func randomTextNeverTraps() {
        var rng = SplitMix64(seed: 99)
        let alphabet = Array("0123456789-:T.Z+ tz".utf8) + [0xFF, 0x00]
        var parsed = 0
        for _ in 0..<20_000 {
            var bytes = Array("2024-05-01T10:20:30.123+02:00".utf8)
            for _ in 0..<Int(rng.next() % 4) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                }
            }
            if let millis = Timestamp.parseISO8601(bytes) {
                parsed += 1
                // Whatever parses lies within years 0000-9999 (± a day of offset).
                #expect(millis > -62_167_219_200_000 - 86_400_000 && millis < 253_402_300_800_000 + 86_400_000)
            }
        }
        #expect(parsed > 0)
    }
}
