/** A line the codec could not read: reported on its own, never hiding the lines around it. */
export interface LineError {
  line: number;
  text: string;
  reason: string;
}
