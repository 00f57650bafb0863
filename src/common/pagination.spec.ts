import { Types } from 'mongoose';
import { pageQuery, toPage } from './pagination.js';

const ids = Array.from({ length: 5 }, () => new Types.ObjectId());

describe('toPage', () => {
  it('should give a cursor when one more document than the limit came back', () => {
    const page = toPage(
      ids.slice(0, 4).map((_id) => ({ _id })),
      3,
      (d) => d._id.toHexString(),
    );
    expect(page.items).toEqual(ids.slice(0, 3).map((i) => i.toHexString()));
    expect(page.nextCursor).toBe(ids[2].toHexString());
  });

  it('should end with a null cursor on the last page', () => {
    expect(
      toPage(
        ids.slice(0, 3).map((_id) => ({ _id })),
        3,
        (d) => d._id,
      ).nextCursor,
    ).toBeNull();
    expect(toPage([], 3, (d: { _id: Types.ObjectId }) => d._id)).toEqual({ items: [], nextCursor: null });
  });
});

describe('pageQuery', () => {
  it('should sort by id in the asked direction and start after the cursor', () => {
    expect(pageQuery(undefined, 'newest')).toEqual({ filter: {}, sort: { _id: -1 } });
    const oldest = pageQuery(ids[0].toHexString(), 'oldest');
    expect(oldest.sort).toEqual({ _id: 1 });
    expect(JSON.stringify(oldest.filter)).toBe(JSON.stringify({ _id: { $gt: ids[0] } }));
    expect(JSON.stringify(pageQuery(ids[0].toHexString(), 'newest').filter)).toBe(
      JSON.stringify({ _id: { $lt: ids[0] } }),
    );
  });
});
