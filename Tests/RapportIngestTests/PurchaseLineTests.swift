import RapportCore
import RapportIngest
import Testing

@Suite struct PurchaseLineTests {
    @Test func readsTheMasterAndSampleLayouts() throws {
        let master = try #require(try PurchaseLine.cdnow(Array(" 00001 19970101  1   11.77\r".utf8)))
        #expect(master.customer == 1 && master.cents == 1_177)
        #expect(master.day == Int(Timestamp.daysFromCivil(year: 1997, month: 1, day: 1)))
        let sample = try #require(try PurchaseLine.cdnow(Array("00004\t00001 19970118 2 20.00".utf8)))
        #expect(sample.customer == 4 && sample.cents == 2_000)
        #expect(try PurchaseLine.cdnow(Array(" customer_id  date number_of_cds  dollar_value".utf8)) == nil)
        #expect(try PurchaseLine.cdnow(Array("   ".utf8)) == nil)
    }

    @Test(arguments: [
        "1 19970101 1", "x 19970101 1 2.00", "1 19970230 1 2.00", "1 1997011 1 2.00", "1 19970101 1 2.0.0",
        "1 19970101 1 --2", "99999999999999999999 19970101 1 2", "1 2 3 4 5 6", "1 19970101 1 99999999999999999999",
    ])
    func refusesWhatIsNotAPurchase(_ line: String) {
        #expect(throws: RapportError.self) { try PurchaseLine.cdnow(Array(line.utf8)) }
    }

    @Test func amountsRoundToCentsHalfAwayFromZero() {
        #expect(PurchaseLine.cents("12".utf8) == 1_200)
        #expect(PurchaseLine.cents("0.5".utf8) == 50)
        #expect(PurchaseLine.cents("1.005".utf8) == 101)
        #expect(PurchaseLine.cents("1.0049".utf8) == 100)
        #expect(PurchaseLine.cents("-3.456".utf8) == -346)
        #expect(PurchaseLine.cents("+.25".utf8) == 25)
        #expect(PurchaseLine.cents("".utf8) == nil)
        #expect(PurchaseLine.cents("-".utf8) == nil)
        #expect(PurchaseLine.cents("1e5".utf8) == nil)
        #expect(PurchaseLine.cents("92233720368547758.07".utf8) == .max)
        #expect(PurchaseLine.cents("92233720368547758.08".utf8) == nil)
    }
}
