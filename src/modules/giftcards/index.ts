export { giftCardsRouter } from "./giftcards.routes";
export { type GiftCardDraw, planGiftCardDraw, planGiftCardReversal } from "./giftcards.redeem";
export { GIFT_CARD_CODE_LENGTH, findSpendableByCode, giftCardState } from "./giftcards.service";
export { expireGiftCards } from "./giftcards.jobs";
