package cpu

import "math"

// expNeg returns e^z for z ≤ 0 (the max-subtracted logits of a softmax)
// within 1e-8 relative, several times faster than math.Exp: z = k·ln2 + r
// with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial (error below
// r^8/8! ≈ 6e-9), and 2^k put straight into the exponent bits. Below −87
// (where e^z is under float32's smallest normal, and next to the row's
// maximum, whose term is 1, it is nothing) it returns 0. NaN gives NaN.
func expNeg(z float64) float64 {
	if !(z >= -87) {
		if z != z { // NaN
			return z
		}
		return 0
	}
	const (
		log2e = 1.4426950408889634
		ln2hi = 6.93147180369123816490e-01
		ln2lo = 1.90821492927058770002e-10
	)
	k := math.Floor(z*log2e + 0.5)
	r := z - k*ln2hi - k*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}
