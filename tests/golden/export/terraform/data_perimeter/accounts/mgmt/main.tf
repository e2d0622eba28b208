# Written by `iamdsl export --format terraform` from data_perimeter.iam.
# Account mgmt (100000000001): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["100000000001"]
}
