// geo.ts: the phone's position for a visit's check-in, and the distance to
// the customer shown before the server has computed its own.
import type { CheckIn } from './db';

export type PositionFailure = 'denied' | 'unavailable' | 'timeout' | 'unsupported';

export class PositionError extends Error {
  constructor(readonly reason: PositionFailure) {
    super(reason);
    this.name = 'PositionError';
  }
}

/** The phone's position now, with its accuracy radius; rejects with a
 * PositionError saying why there is none (permission refused, no fix...). */
export function currentPosition(timeoutMs = 15_000): Promise<CheckIn> {
  return new Promise((resolve, reject) => {
    if (typeof navigator === 'undefined' || !navigator.geolocation) {
      reject(new PositionError('unsupported'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) =>
        resolve({
          lat: Math.round(p.coords.latitude * 1e6) / 1e6,
          lon: Math.round(p.coords.longitude * 1e6) / 1e6,
          accuracy_m: Number.isFinite(p.coords.accuracy) ? Math.min(100000, Math.round(p.coords.accuracy * 100) / 100) : null,
        }),
      (e) => reject(new PositionError(e.code === e.PERMISSION_DENIED ? 'denied' : e.code === e.TIMEOUT ? 'timeout' : 'unavailable')),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    );
  });
}

/** Great-circle distance in whole metres (the server's formula). */
export function distanceMetres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const R = 6371008.8;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * R * Math.asin(Math.min(1, Math.sqrt(h))));
}

/** A link that opens the address (or the point) in the phone's map app:
 * Apple Maps on an iPhone, the `geo:` URI every Android map app answers
 * elsewhere; null when the customer has neither. */
export function mapLink(
  address: string | null | undefined,
  point?: { lat: number; lon: number } | null,
  userAgent: string = typeof navigator === 'undefined' ? '' : navigator.userAgent,
): string | null {
  if (!address && !point) return null;
  if (/iPhone|iPad|iPod/.test(userAgent)) {
    const q = new URLSearchParams();
    if (address) q.set('q', address);
    if (point) q.set('ll', `${point.lat},${point.lon}`);
    return `https://maps.apple.com/?${q.toString()}`;
  }
  const q = address ? `?q=${encodeURIComponent(address)}` : `?q=${point!.lat},${point!.lon}`;
  return `geo:${point ? `${point.lat},${point.lon}` : '0,0'}${q}`;
}
