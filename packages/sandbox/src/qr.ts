import QRCode from 'qrcode';

/**
 * QR code images for `alipay.trade.precreate`: the code encodes the sandbox URL in `qr_code`, which opens
 * the cashier when "scanned" (opened) — the phone's role in face-to-face payment.
 */

/** PNG bytes of a QR code for `text`. */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}

/** SVG text of a QR code for `text`. */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
