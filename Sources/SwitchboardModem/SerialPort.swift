#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a serial device raw (no echo, no line editing, 8N1, `CLOCAL`) at a baud rate, for
/// NIO to read and write as a pipe (`NIOPipeBootstrap` takes character devices).
package enum SerialPort {
    /// The rates `termios` can set, by their number.
    package static let rates: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600), 115200: speed_t(B115200),
        230400: speed_t(B230400), 460800: speed_t(B460800), 921600: speed_t(B921600),
    ]

    package struct OpenError: Error, CustomStringConvertible {
        package var description: String
    }

    /// The file descriptor of `path`, set up; the caller owns it.
    package static func open(_ path: String, baud: Int) throws -> CInt {
        guard let speed = rates[baud] else { throw OpenError(description: "\(baud) is not a baud rate termios can set") }
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw OpenError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        var tio = termios()
        guard tcgetattr(fd, &tio) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw OpenError(description: "\(path) is not a terminal device: \(reason)")
        }
        cfmakeraw(&tio)
        tio.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        tio.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        cfsetispeed(&tio, speed)
        cfsetospeed(&tio, speed)
        guard tcsetattr(fd, TCSANOW, &tio) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw OpenError(description: "cannot set \(path) to \(baud) baud: \(reason)")
        }
        tcflush(fd, TCIOFLUSH)  // what an earlier session left unread is not an answer to us
        return fd
    }
}
