/// Unconstrained minimisation by BFGS with a backtracking line search, for
/// the maximum-likelihood fits (the models minimise the negative mean
/// log-likelihood over the logarithms of their parameters, so that every
/// step stays in the positive domain).
public enum Minimizer {
    /// The outcome of a minimisation.
    public struct Result: Sendable, Equatable {
        public var point: [Double]
        public var value: Double
        public var gradient: [Double]
        public var iterations: Int
        /// Whether the gradient fell below the tolerance (not just a stall).
        public var converged: Bool
    }

    /// Minimises `f`, which returns the value and gradient at a point, or
    /// `nil` where it is not defined (the line search then steps back).
    /// Stops when every gradient component is below `gradientTolerance`, the
    /// value no longer improves, or after `maxIterations`.
    public static func bfgs(start: [Double], gradientTolerance: Double = 1e-9, maxIterations: Int = 500,
                            _ f: ([Double]) -> (value: Double, gradient: [Double])?) -> Result? {
        let n = start.count
        guard n > 0, var current = f(start), current.value.isFinite,
              current.gradient.count == n, current.gradient.allSatisfy(\.isFinite)
        else { return nil }
        var x = start
        // The inverse Hessian estimate, row-major; the identity at first.
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<n { h[i * n + i] = 1 }  // trap-ok: i < n
        var iterations = 0
        while iterations < maxIterations {
            if current.gradient.allSatisfy({ abs($0) < gradientTolerance }) {
                return Result(point: x, value: current.value, gradient: current.gradient, iterations: iterations, converged: true)
            }
            iterations += 1
            // Direction p = −H g; if it does not descend, start H over.
            var p = multiply(h, current.gradient, n).map { -$0 }
            var slope = dot(p, current.gradient)
            if !(slope < 0) {
                for i in 0..<n { for j in 0..<n { h[i * n + j] = i == j ? 1 : 0 } }  // trap-ok: i, j < n
                p = current.gradient.map { -$0 }
                slope = dot(p, current.gradient)
            }
            // Backtracking line search (Armijo), with steps at most 1 in each coordinate at first.
            let longest = p.map(abs).max() ?? 0
            var step = longest > 10 ? 10 / longest : 1
            var accepted: (x: [Double], value: (value: Double, gradient: [Double]))?
            for _ in 0..<60 {
                let candidate = zip(x, p).map { $0 + step * $1 }
                if let v = f(candidate), v.value.isFinite, v.gradient.count == n, v.gradient.allSatisfy(\.isFinite),
                   v.value <= current.value + 1e-4 * step * slope {
                    accepted = (candidate, v)
                    break
                }
                step *= 0.5
            }
            guard let next = accepted else {
                // No step improves on the current point: as good as it gets at this precision.
                return Result(point: x, value: current.value, gradient: current.gradient, iterations: iterations,
                              converged: current.gradient.allSatisfy { abs($0) < gradientTolerance * 1e3 })
            }
            let s = zip(next.x, x).map { $0 - $1 }
            let y = zip(next.value.gradient, current.gradient).map { $0 - $1 }
            let improvement = current.value - next.value.value
            x = next.x
            current = next.value
            // The BFGS update of H, skipped when the curvature condition fails.
            let sy = dot(s, y)
            if sy > 1e-16 {
                let hy = multiply(h, y, n)
                let yhy = dot(y, hy)
                let rho = 1 / sy
                for i in 0..<n {
                    for j in 0..<n {
                        // H += ρ²(sᵀy + yᵀHy) s sᵀ − ρ (Hy sᵀ + s (Hy)ᵀ)
                        h[i * n + j] += (sy + yhy) * rho * rho * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j])  // trap-ok: i, j < n
                    }
                }
            }
            if improvement >= 0, improvement <= 1e-15 * max(1, abs(current.value)),
               current.gradient.allSatisfy({ abs($0) < gradientTolerance * 1e3 }) {
                return Result(point: x, value: current.value, gradient: current.gradient, iterations: iterations, converged: true)
            }
        }
        return Result(point: x, value: current.value, gradient: current.gradient, iterations: iterations,
                      converged: current.gradient.allSatisfy { abs($0) < gradientTolerance })
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The n×n row-major matrix `m` times `v`.
    static func multiply(_ m: [Double], _ v: [Double], _ n: Int) -> [Double] {
        (0..<n).map { i in (0..<n).reduce(0) { $0 + m[i * n + $1] * v[$1] } }  // trap-ok: m is n×n, v has n
    }
}
