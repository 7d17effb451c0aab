import Hummingbird


@main struct Main { static func main() {} }
