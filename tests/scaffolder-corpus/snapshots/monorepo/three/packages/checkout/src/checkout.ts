// package 1 of shop
export const name = 'checkout';
