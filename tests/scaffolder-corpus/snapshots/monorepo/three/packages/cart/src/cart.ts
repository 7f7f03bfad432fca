// package 0 of shop
export const name = 'cart';
