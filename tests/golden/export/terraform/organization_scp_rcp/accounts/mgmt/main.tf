# Written by `iamdsl export --format terraform` from organization_scp_rcp.iam.
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

resource "aws_iam_role" "OrgAdmin" {
  name = "OrgAdmin"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy_attachment" "OrgAdmin_AdministratorAccess" {
  role       = aws_iam_role.OrgAdmin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
