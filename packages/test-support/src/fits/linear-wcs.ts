/**
 * Pixel → intermediate world coordinates of a linear FITS WCS (Greisen & Calabretta 2002, eq. 1–3),
 * written for tests only: x_i = Σ_j s_i m_ij (p_j − r_j) with CDi_j, or CDELTi·PCi_j, or CDELTi with
 * CROTA2; plus CRVALi. Pixels are 1-based FITS pixel coordinates.
 */
export function linearPixelToWorld(header: { get(key: string): unknown }, p1: number, p2: number): [number, number] {
  const num = (key: string, fallback: number) => {
    const value = header.get(key);
    return typeof value === 'number' ? value : fallback;
  };
  const d1 = p1 - num('CRPIX1', 0);
  const d2 = p2 - num('CRPIX2', 0);
  let m: [[number, number], [number, number]];
  if (header.get('CD1_1') !== undefined) {
    m = [
      [num('CD1_1', 0), num('CD1_2', 0)],
      [num('CD2_1', 0), num('CD2_2', 0)],
    ];
  } else {
    const c1 = num('CDELT1', 1);
    const c2 = num('CDELT2', 1);
    let pc: [[number, number], [number, number]];
    if (header.get('PC1_1') !== undefined || header.get('PC1_2') !== undefined) {
      pc = [
        [num('PC1_1', 1), num('PC1_2', 0)],
        [num('PC2_1', 0), num('PC2_2', 1)],
      ];
    } else {
      const rho = (num('CROTA2', 0) * Math.PI) / 180;
      pc = [
        [Math.cos(rho), (-Math.sin(rho) * c2) / c1],
        [(Math.sin(rho) * c1) / c2, Math.cos(rho)],
      ];
    }
    m = [
      [c1 * pc[0][0], c1 * pc[0][1]],
      [c2 * pc[1][0], c2 * pc[1][1]],
    ];
  }
  return [num('CRVAL1', 0) + m[0][0] * d1 + m[0][1] * d2, num('CRVAL2', 0) + m[1][0] * d1 + m[1][1] * d2];
}
