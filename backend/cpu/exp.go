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

// The constants of expNeg32's range reduction.
const (
	log2e32 = 1.44269504
	ln2hi32 = 0.693145752 // ln 2 rounded to 17 bits, so k·ln2hi32 is exact
	ln2lo32 = 1.42860677e-06
)

// expNeg32 is e^z for z ≤ 0 in float32 arithmetic, within 2 ulp: as
// expNeg, with a degree-6 polynomial on |r| ≤ ln2/2; 0 below −87.
func expNeg32(z float32) float32 {
	if !(z >= -87) {
		if z != z {
			return z
		}
		return 0
	}
	k := float32(int32(z*log2e32 - 0.5)) // round to nearest for z ≤ 0
	r := z - k*ln2hi32 - k*ln2lo32
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(k)+127)<<23)
}
