import { describe, expect, it } from 'vitest';
import { categoryColor, runPalette } from './palette.js';

const hue = (color: string) => Number(/hsl\((\d+),/.exec(color)![1]);
const lightness = (color: string) => Number(/(\d+)%\)$/.exec(color)![1]);

describe('runPalette', () => {
  it('gives twenty runs without repeats twenty different colours', () => {
    const runs = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, group: `g${i}` }));
    const palette = runPalette(runs);
    expect(palette.byGroup).toBe(false);
    expect(new Set(palette.runs.values()).size).toBe(20);
    expect(palette.groups.size).toBe(0);
  });

  it('colours a group of repeats in shades of one hue, dark to light, and other runs in their own hues', () => {
    const palette = runPalette([
      { id: 1, group: 'a' },
      { id: 2, group: 'a' },
      { id: 3, group: 'a' },
      { id: 4, group: 'b' },
      { id: 5, group: 'c' },
    ]);
    expect(palette.byGroup).toBe(true);
    const shades = [1, 2, 3].map((id) => palette.runs.get(id)!);
    expect(new Set(shades.map(hue)).size).toBe(1);
    expect(shades.map(lightness)).toEqual([...shades.map(lightness)].sort((x, y) => x - y));
    expect(new Set(shades).size).toBe(3);
    expect(hue(palette.runs.get(4)!)).not.toBe(hue(shades[0]));
    expect(hue(palette.runs.get(5)!)).not.toBe(hue(palette.runs.get(4)!));
    expect([...palette.groups.keys()]).toEqual(['a']);
    expect(palette.groups.get('a')).toBe(palette.runs.get(2));
  });

  it('repeats the ten hues darker past ten categories', () => {
    expect(hue(categoryColor(10))).toBe(hue(categoryColor(0)));
    expect(lightness(categoryColor(10))).toBeLessThan(lightness(categoryColor(0)));
  });
});
